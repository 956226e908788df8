// LE scanning commands, legacy (Core 5.4 Vol 4 Part E 7.8.10-7.8.11) and extended (7.8.64-7.8.65).
import * as C from '../constants.ts';
import { command } from '../command.ts';
import { u16, u8 } from '../fields.ts';
import { NO_FIELDS, perPhy } from '../struct.ts';

/** 7.8.10. LE_Scan_Type 0x01 active; interval and window in 0.625 ms units. */
export const LeSetScanParameters = command({
  name: 'HCI_LE_Set_Scan_Parameters',
  section: '7.8.10',
  opcode: C.HCI_LE_SET_SCAN_PARAMETERS,
  params: { leScanType: u8, leScanInterval: u16, leScanWindow: u16, ownAddressType: u8, scanningFilterPolicy: u8 },
  returns: NO_FIELDS,
});

/** 7.8.11 */
export const LeSetScanEnable = command({
  name: 'HCI_LE_Set_Scan_Enable',
  section: '7.8.11',
  opcode: C.HCI_LE_SET_SCAN_ENABLE,
  params: { leScanEnable: u8, filterDuplicates: u8 },
  returns: NO_FIELDS,
});

/** 7.8.64. One entry per PHY in Scanning_PHYs: LE 1M and LE Coded. */
export const LeSetExtendedScanParameters = command({
  name: 'HCI_LE_Set_Extended_Scan_Parameters',
  section: '7.8.64',
  opcode: C.HCI_LE_SET_EXTENDED_SCAN_PARAMETERS,
  params: {
    ownAddressType: u8,
    scanningFilterPolicy: u8,
    scanningPhys: perPhy([C.PHYS_LE_1M, C.PHYS_LE_CODED], { scanType: u8, scanInterval: u16, scanWindow: u16 }),
  },
  returns: NO_FIELDS,
});

/** 7.8.65. Filter_Duplicates 0x02: reset each period. Duration in 10 ms, Period in 1.28 s units. */
export const LeSetExtendedScanEnable = command({
  name: 'HCI_LE_Set_Extended_Scan_Enable',
  section: '7.8.65',
  opcode: C.HCI_LE_SET_EXTENDED_SCAN_ENABLE,
  params: { enable: u8, filterDuplicates: u8, duration: u16, period: u16 },
  returns: NO_FIELDS,
});
