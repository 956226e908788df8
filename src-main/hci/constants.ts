// HCI numbers, named as the Bluetooth Core Specification 5.4 names them.

// H4 packet indicators. Core Vol 4 Part A 2 (UART transport layer).
export const HCI_COMMAND_PKT = 0x01;
export const HCI_ACLDATA_PKT = 0x02;
export const HCI_SCODATA_PKT = 0x03;
export const HCI_EVENT_PKT = 0x04;
export const HCI_ISODATA_PKT = 0x05;

/** Opcode = OGF << 10 | OCF. Core Vol 4 Part E 5.4.1. */
export const opcode = (ogf: number, ocf: number): number => (ogf << 10) | ocf;
export const OGF_LINK_CONTROL = 0x01;
export const OGF_CONTROLLER_BASEBAND = 0x03;
export const OGF_INFORMATIONAL = 0x04;
export const OGF_STATUS = 0x05;
export const OGF_LE = 0x08;
export const OGF_VENDOR = 0x3f;

// Commands. Core Vol 4 Part E 7.1 (link control), 7.3 (controller & baseband), 7.4 (informational),
// 7.5 (status), 7.8 (LE controller).
export const HCI_DISCONNECT = opcode(OGF_LINK_CONTROL, 0x0006); // 7.1.6
export const HCI_READ_REMOTE_VERSION_INFORMATION = opcode(OGF_LINK_CONTROL, 0x001d); // 7.1.23
export const HCI_SET_EVENT_MASK = opcode(OGF_CONTROLLER_BASEBAND, 0x0001); // 7.3.1
export const HCI_RESET = opcode(OGF_CONTROLLER_BASEBAND, 0x0003); // 7.3.2
export const HCI_SET_EVENT_FILTER = opcode(OGF_CONTROLLER_BASEBAND, 0x0005); // 7.3.3
export const HCI_WRITE_LOCAL_NAME = opcode(OGF_CONTROLLER_BASEBAND, 0x0013); // 7.3.11
export const HCI_READ_LOCAL_NAME = opcode(OGF_CONTROLLER_BASEBAND, 0x0014); // 7.3.12
export const HCI_WRITE_SCAN_ENABLE = opcode(OGF_CONTROLLER_BASEBAND, 0x001a); // 7.3.18
export const HCI_WRITE_CLASS_OF_DEVICE = opcode(OGF_CONTROLLER_BASEBAND, 0x0024); // 7.3.26
export const HCI_SET_EVENT_MASK_PAGE_2 = opcode(OGF_CONTROLLER_BASEBAND, 0x0063); // 7.3.69
export const HCI_READ_LE_HOST_SUPPORT = opcode(OGF_CONTROLLER_BASEBAND, 0x006c); // 7.3.78
export const HCI_WRITE_LE_HOST_SUPPORT = opcode(OGF_CONTROLLER_BASEBAND, 0x006d); // 7.3.79
export const HCI_READ_LOCAL_VERSION_INFORMATION = opcode(OGF_INFORMATIONAL, 0x0001); // 7.4.1
export const HCI_READ_LOCAL_SUPPORTED_COMMANDS = opcode(OGF_INFORMATIONAL, 0x0002); // 7.4.2
export const HCI_READ_LOCAL_SUPPORTED_FEATURES = opcode(OGF_INFORMATIONAL, 0x0003); // 7.4.3
export const HCI_READ_BUFFER_SIZE = opcode(OGF_INFORMATIONAL, 0x0005); // 7.4.5
export const HCI_READ_BD_ADDR = opcode(OGF_INFORMATIONAL, 0x0009); // 7.4.6
export const HCI_READ_RSSI = opcode(OGF_STATUS, 0x0005); // 7.5.4
export const HCI_LE_SET_EVENT_MASK = opcode(OGF_LE, 0x0001); // 7.8.1
export const HCI_LE_READ_BUFFER_SIZE = opcode(OGF_LE, 0x0002); // 7.8.2
export const HCI_LE_READ_LOCAL_SUPPORTED_FEATURES = opcode(OGF_LE, 0x0003); // 7.8.3
export const HCI_LE_SET_RANDOM_ADDRESS = opcode(OGF_LE, 0x0005); // 7.8.4
export const HCI_LE_SET_ADVERTISING_PARAMETERS = opcode(OGF_LE, 0x0006); // 7.8.5
export const HCI_LE_READ_ADVERTISING_PHYSICAL_CHANNEL_TX_POWER = opcode(OGF_LE, 0x0007); // 7.8.6
export const HCI_LE_SET_ADVERTISING_DATA = opcode(OGF_LE, 0x0008); // 7.8.7
export const HCI_LE_SET_SCAN_RESPONSE_DATA = opcode(OGF_LE, 0x0009); // 7.8.8
export const HCI_LE_SET_ADVERTISING_ENABLE = opcode(OGF_LE, 0x000a); // 7.8.9
export const HCI_LE_SET_SCAN_PARAMETERS = opcode(OGF_LE, 0x000b); // 7.8.10
export const HCI_LE_SET_SCAN_ENABLE = opcode(OGF_LE, 0x000c); // 7.8.11
export const HCI_LE_CREATE_CONNECTION = opcode(OGF_LE, 0x000d); // 7.8.12
export const HCI_LE_CREATE_CONNECTION_CANCEL = opcode(OGF_LE, 0x000e); // 7.8.13
export const HCI_LE_READ_FILTER_ACCEPT_LIST_SIZE = opcode(OGF_LE, 0x000f); // 7.8.14
export const HCI_LE_CLEAR_FILTER_ACCEPT_LIST = opcode(OGF_LE, 0x0010); // 7.8.15
export const HCI_LE_ADD_DEVICE_TO_FILTER_ACCEPT_LIST = opcode(OGF_LE, 0x0011); // 7.8.16
export const HCI_LE_REMOVE_DEVICE_FROM_FILTER_ACCEPT_LIST = opcode(OGF_LE, 0x0012); // 7.8.17
export const HCI_LE_CONNECTION_UPDATE = opcode(OGF_LE, 0x0013); // 7.8.18
export const HCI_LE_READ_REMOTE_FEATURES = opcode(OGF_LE, 0x0016); // 7.8.21
export const HCI_LE_ENCRYPT = opcode(OGF_LE, 0x0017); // 7.8.22
export const HCI_LE_RAND = opcode(OGF_LE, 0x0018); // 7.8.23
export const HCI_LE_ENABLE_ENCRYPTION = opcode(OGF_LE, 0x0019); // 7.8.24
export const HCI_LE_LONG_TERM_KEY_REQUEST_REPLY = opcode(OGF_LE, 0x001a); // 7.8.25
export const HCI_LE_LONG_TERM_KEY_REQUEST_NEGATIVE_REPLY = opcode(OGF_LE, 0x001b); // 7.8.26
export const HCI_LE_READ_SUPPORTED_STATES = opcode(OGF_LE, 0x001c); // 7.8.27
export const HCI_LE_REMOTE_CONNECTION_PARAMETER_REQUEST_REPLY = opcode(OGF_LE, 0x0020); // 7.8.31
export const HCI_LE_REMOTE_CONNECTION_PARAMETER_REQUEST_NEGATIVE_REPLY = opcode(OGF_LE, 0x0021); // 7.8.32
export const HCI_LE_SET_DATA_LENGTH = opcode(OGF_LE, 0x0022); // 7.8.33
export const HCI_LE_READ_SUGGESTED_DEFAULT_DATA_LENGTH = opcode(OGF_LE, 0x0023); // 7.8.34
export const HCI_LE_WRITE_SUGGESTED_DEFAULT_DATA_LENGTH = opcode(OGF_LE, 0x0024); // 7.8.35
export const HCI_LE_READ_LOCAL_P256_PUBLIC_KEY = opcode(OGF_LE, 0x0025); // 7.8.36
export const HCI_LE_GENERATE_DHKEY = opcode(OGF_LE, 0x0026); // 7.8.37
export const HCI_LE_CLEAR_RESOLVING_LIST = opcode(OGF_LE, 0x0029); // 7.8.40
export const HCI_LE_SET_ADDRESS_RESOLUTION_ENABLE = opcode(OGF_LE, 0x002d); // 7.8.44
export const HCI_LE_READ_MAXIMUM_DATA_LENGTH = opcode(OGF_LE, 0x002f); // 7.8.46
export const HCI_LE_READ_PHY = opcode(OGF_LE, 0x0030); // 7.8.47
export const HCI_LE_SET_DEFAULT_PHY = opcode(OGF_LE, 0x0031); // 7.8.48
export const HCI_LE_SET_PHY = opcode(OGF_LE, 0x0032); // 7.8.49
export const HCI_LE_SET_ADVERTISING_SET_RANDOM_ADDRESS = opcode(OGF_LE, 0x0035); // 7.8.52
export const HCI_LE_SET_EXTENDED_ADVERTISING_PARAMETERS = opcode(OGF_LE, 0x0036); // 7.8.53
export const HCI_LE_SET_EXTENDED_ADVERTISING_DATA = opcode(OGF_LE, 0x0037); // 7.8.54
export const HCI_LE_SET_EXTENDED_SCAN_RESPONSE_DATA = opcode(OGF_LE, 0x0038); // 7.8.55
export const HCI_LE_SET_EXTENDED_ADVERTISING_ENABLE = opcode(OGF_LE, 0x0039); // 7.8.56
export const HCI_LE_READ_MAXIMUM_ADVERTISING_DATA_LENGTH = opcode(OGF_LE, 0x003a); // 7.8.57
export const HCI_LE_READ_NUMBER_OF_SUPPORTED_ADVERTISING_SETS = opcode(OGF_LE, 0x003b); // 7.8.58
export const HCI_LE_REMOVE_ADVERTISING_SET = opcode(OGF_LE, 0x003c); // 7.8.59
export const HCI_LE_CLEAR_ADVERTISING_SETS = opcode(OGF_LE, 0x003d); // 7.8.60
export const HCI_LE_SET_EXTENDED_SCAN_PARAMETERS = opcode(OGF_LE, 0x0041); // 7.8.64
export const HCI_LE_SET_EXTENDED_SCAN_ENABLE = opcode(OGF_LE, 0x0042); // 7.8.65
export const HCI_LE_EXTENDED_CREATE_CONNECTION = opcode(OGF_LE, 0x0043); // 7.8.66

// Events. Core Vol 4 Part E 7.7.
export const HCI_DISCONNECTION_COMPLETE = 0x05; // 7.7.5
export const HCI_ENCRYPTION_CHANGE = 0x08; // 7.7.8
export const HCI_READ_REMOTE_VERSION_INFORMATION_COMPLETE = 0x0c; // 7.7.12
export const HCI_COMMAND_COMPLETE = 0x0e; // 7.7.14
export const HCI_COMMAND_STATUS = 0x0f; // 7.7.15
export const HCI_HARDWARE_ERROR = 0x10; // 7.7.16
export const HCI_NUMBER_OF_COMPLETED_PACKETS = 0x13; // 7.7.19
export const HCI_DATA_BUFFER_OVERFLOW = 0x1a; // 7.7.26
export const HCI_ENCRYPTION_KEY_REFRESH_COMPLETE = 0x30; // 7.7.39
export const HCI_ENCRYPTION_CHANGE_V2 = 0x59; // 7.7.8.2
export const HCI_LE_META = 0x3e; // 7.7.65

// LE meta subevents. Core Vol 4 Part E 7.7.65.x
export const HCI_LE_CONNECTION_COMPLETE = 0x01; // 7.7.65.1
export const HCI_LE_ADVERTISING_REPORT = 0x02; // 7.7.65.2
export const HCI_LE_CONNECTION_UPDATE_COMPLETE = 0x03; // 7.7.65.3
export const HCI_LE_READ_REMOTE_FEATURES_COMPLETE = 0x04; // 7.7.65.4
export const HCI_LE_LONG_TERM_KEY_REQUEST = 0x05; // 7.7.65.5
export const HCI_LE_REMOTE_CONNECTION_PARAMETER_REQUEST = 0x06; // 7.7.65.6
export const HCI_LE_DATA_LENGTH_CHANGE = 0x07; // 7.7.65.7
export const HCI_LE_READ_LOCAL_P256_PUBLIC_KEY_COMPLETE = 0x08; // 7.7.65.8
export const HCI_LE_GENERATE_DHKEY_COMPLETE = 0x09; // 7.7.65.9
export const HCI_LE_ENHANCED_CONNECTION_COMPLETE = 0x0a; // 7.7.65.10
export const HCI_LE_PHY_UPDATE_COMPLETE = 0x0c; // 7.7.65.12
export const HCI_LE_EXTENDED_ADVERTISING_REPORT = 0x0d; // 7.7.65.13
export const HCI_LE_SCAN_TIMEOUT = 0x11; // 7.7.65.17
export const HCI_LE_ADVERTISING_SET_TERMINATED = 0x12; // 7.7.65.18
export const HCI_LE_SCAN_REQUEST_RECEIVED = 0x13; // 7.7.65.19

/** LE event mask bit for a subevent: bit (subevent - 1). Core Vol 4 Part E 7.8.1. */
export const leEventMaskBit = (subevent: number): number => subevent - 1;
/** Set_Event_Mask_Page_2 bit for an event code from 0x40 on: bit (code - 0x40). Core Vol 4 Part E 7.3.69. */
export const eventMaskPage2Bit = (code: number): number => code - 0x40;

// Error codes. Core Vol 1 Part F 1.3.
export const HciStatus = {
  SUCCESS: 0x00,
  UNKNOWN_HCI_COMMAND: 0x01,
  UNKNOWN_CONNECTION_IDENTIFIER: 0x02,
  HARDWARE_FAILURE: 0x03,
  PIN_OR_KEY_MISSING: 0x06,
  MEMORY_CAPACITY_EXCEEDED: 0x07,
  CONNECTION_TIMEOUT: 0x08,
  CONNECTION_LIMIT_EXCEEDED: 0x09,
  COMMAND_DISALLOWED: 0x0c,
  CONNECTION_REJECTED_LIMITED_RESOURCES: 0x0d,
  UNSUPPORTED_FEATURE_OR_PARAMETER_VALUE: 0x11,
  INVALID_HCI_COMMAND_PARAMETERS: 0x12,
  REMOTE_USER_TERMINATED_CONNECTION: 0x13,
  REMOTE_DEVICE_TERMINATED_LOW_RESOURCES: 0x14,
  REMOTE_DEVICE_TERMINATED_POWER_OFF: 0x15,
  CONNECTION_TERMINATED_BY_LOCAL_HOST: 0x16,
  UNSUPPORTED_REMOTE_FEATURE: 0x1a,
  UNSPECIFIED_ERROR: 0x1f,
  LL_RESPONSE_TIMEOUT: 0x22,
  UNACCEPTABLE_CONNECTION_PARAMETERS: 0x3b,
  ADVERTISING_TIMEOUT: 0x3c,
  CONNECTION_TERMINATED_DUE_TO_MIC_FAILURE: 0x3d,
  CONNECTION_FAILED_TO_BE_ESTABLISHED: 0x3e,
  UNKNOWN_ADVERTISING_IDENTIFIER: 0x42,
  LIMIT_REACHED: 0x43,
} as const;
export type HciStatusCode = (typeof HciStatus)[keyof typeof HciStatus];

const STATUS_NAMES = new Map<number, string>(Object.entries(HciStatus).map(([k, v]) => [v, k]));

/** "CONNECTION_TIMEOUT (0x08)" */
export function statusName(code: number): string {
  const name = STATUS_NAMES.get(code) ?? 'UNKNOWN_STATUS';
  return `${name} (0x${code.toString(16).padStart(2, '0')})`;
}

// Legacy advertising PDU types as HCI_LE_Set_Advertising_Parameters names them (7.8.5 Advertising_Type).
export const ADV_IND = 0x00;
export const ADV_DIRECT_IND_HIGH = 0x01;
export const ADV_SCAN_IND = 0x02;
export const ADV_NONCONN_IND = 0x03;
export const ADV_DIRECT_IND_LOW = 0x04;

// Advertising report Event_Type (7.7.65.2).
export const REPORT_ADV_IND = 0x00;
export const REPORT_ADV_DIRECT_IND = 0x01;
export const REPORT_ADV_SCAN_IND = 0x02;
export const REPORT_ADV_NONCONN_IND = 0x03;
export const REPORT_SCAN_RSP = 0x04;

// Extended advertising report Event_Type bits (7.7.65.13): legacy PDUs as reported in extended reports.
export const EXT_REPORT_LEGACY: Record<number, number> = {
  [REPORT_ADV_IND]: 0x13,
  [REPORT_ADV_DIRECT_IND]: 0x15,
  [REPORT_ADV_SCAN_IND]: 0x12,
  [REPORT_ADV_NONCONN_IND]: 0x10,
};
export const EXT_REPORT_SCAN_RSP_TO_ADV_IND = 0x1b;
export const EXT_REPORT_SCAN_RSP_TO_ADV_SCAN_IND = 0x1a;

// ACL Packet_Boundary_Flag. Core Vol 4 Part E 5.4.2.
export const PB_FIRST_NON_FLUSHABLE = 0b00;
export const PB_CONTINUING = 0b01;
export const PB_FIRST_FLUSHABLE = 0b10;

// PHY bits of Scanning_PHYs and Initiating_PHYs (7.8.64, 7.8.66); also the PHY values of 7.8.47.
export const PHYS_LE_1M = 0x01;
export const PHYS_LE_2M = 0x02;
export const PHYS_LE_CODED = 0x04;

// Role (7.7.65.1).
export const ROLE_CENTRAL = 0x00;
export const ROLE_PERIPHERAL = 0x01;

// Link layer limits. Core Vol 6 Part B 4.5.10 and 4.5.2.
export const LL_DEFAULT_DATA_OCTETS = 27;
export const LL_MAX_DATA_OCTETS = 251;
export const LL_DEFAULT_DATA_TIME = 328;
export const LL_MAX_DATA_TIME_1M = 2120;
/** Connection interval unit 1.25 ms, advertising and scan unit 0.625 ms, supervision timeout 10 ms. */
export const CONN_INTERVAL_UNIT_MS = 1.25;
export const ADV_INTERVAL_UNIT_MS = 0.625;
export const SUPERVISION_TIMEOUT_UNIT_MS = 10;
