// The errors BleHost raises, as the Python shim turns them into OSError(errno) and ValueError.
// errno values are MicroPython's (py/mperrno.h; the rp2 port sets MICROPY_USE_INTERNAL_ERRNO,
// which uses the Linux numbers).

export const Errno = {
  /** extmod/btstack/modbluetooth_btstack.c: `#define ERRNO_BLUETOOTH_NOT_ACTIVE MP_ENODEV`. */
  ENODEV: 19,
  /** btstack_error_to_errno(): BTSTACK_ACL_BUFFERS_FULL, BTSTACK_MEMORY_ALLOC_FAILED. */
  ENOMEM: 12,
  /** btstack_error_to_errno(): GATT_CLIENT_BUSY (never surfaces: gattc_write handles it). */
  EBUSY: 16,
  /** Bad handle, unknown connection in BTstack calls, any BTstack error not mapped otherwise. */
  EINVAL: 22,
  /** gattc_read / gattc_write(mode=1) on a connection the binding does not know. */
  ENOTCONN: 107,
  /** mp_bluetooth_init() when the controller does not come up within 15 s. */
  ETIMEDOUT: 110,
  /** GATT_CLIENT_IN_WRONG_STATE and the binding's one-read/write-per-connection check. */
  EALREADY: 114,
} as const;

const NAMES = new Map<number, string>(Object.entries(Errno).map(([k, v]) => [v, k]));

/** Becomes OSError(errno) in Python. */
export class BleError extends Error {
  override readonly name = 'BleError';
  constructor(
    readonly errno: number,
    message?: string,
  ) {
    super(message ?? `[Errno ${errno}] ${NAMES.get(errno) ?? 'error'}`);
  }
}

/** Becomes ValueError in Python (modbluetooth.c raises it for bad arguments and unknown config keys). */
export class BleValueError extends Error {
  override readonly name = 'BleValueError';
}
