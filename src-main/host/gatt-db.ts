// The GATT server's attribute database, laid out as MicroPython's BTstack binding builds it with
// BTstack's att_db_util (extmod/btstack/modbluetooth_btstack.c, mp_bluetooth_gatts_register_service*),
// and the value store behind it (extmod/modbluetooth.c, mp_bluetooth_gatts_db_*).
//
// Handles 1-6 are always: GAP service 0x1800 with Device Name 0x2A00 (handle 3), then GATT service
// 0x1801 with Service Changed 0x2A05 (read-only, empty). BTstack adds no Appearance characteristic.
// Each user characteristic is a declaration (0x2803), its value, a CCCD (0x2902) right after the
// value when it may notify or indicate, then its descriptors. Core 5.4 Vol 3 Part G 3.1-3.3.
import { BleError, Errno } from './ble-error.ts';
import type { Uuid } from './uuid.ts';

// Attribute flags as BTstack's att_db.h names them.
export const ATT_PROPERTY_BROADCAST = 0x01;
export const ATT_PROPERTY_READ = 0x02;
export const ATT_PROPERTY_WRITE_WITHOUT_RESPONSE = 0x04;
export const ATT_PROPERTY_WRITE = 0x08;
export const ATT_PROPERTY_NOTIFY = 0x10;
export const ATT_PROPERTY_INDICATE = 0x20;
/** Value lives in the host (att_read_callback / att_write_callback), not in the database. */
export const ATT_PROPERTY_DYNAMIC = 0x100;

// MicroPython characteristic flags (extmod/modbluetooth.h, bluetooth.FLAG_*).
export const FLAG_READ = 0x0002;
export const FLAG_WRITE_NO_RESPONSE = 0x0004;
export const FLAG_WRITE = 0x0008;
export const FLAG_NOTIFY = 0x0010;
export const FLAG_INDICATE = 0x0020;
export const FLAG_READ_ENCRYPTED = 0x0200;
export const FLAG_READ_AUTHENTICATED = 0x0400;
export const FLAG_READ_AUTHORIZED = 0x0800;
export const FLAG_WRITE_ENCRYPTED = 0x1000;
export const FLAG_WRITE_AUTHENTICATED = 0x2000;
export const FLAG_WRITE_AUTHORIZED = 0x4000;

/** BTstack att_db security levels (ATT_SECURITY_*), from get_characteristic_permissions() in the binding. */
export const SECURITY_NONE = 0;
export const SECURITY_ENCRYPTED = 1;
export const SECURITY_AUTHENTICATED = 2;
export const SECURITY_AUTHORIZED = 3;

// GATT attribute types. Core 5.4 Vol 3 Part G 3.1-3.3; Assigned Numbers 3.4 and 3.8.
export const GATT_PRIMARY_SERVICE = 0x2800;
export const GATT_SECONDARY_SERVICE = 0x2801;
export const GATT_CHARACTERISTIC = 0x2803;
export const GATT_CLIENT_CHARACTERISTIC_CONFIGURATION = 0x2902;
export const GAP_SERVICE = 0x1800;
export const GAP_DEVICE_NAME = 0x2a00;
export const GATT_SERVICE = 0x1801;
export const GATT_SERVICE_CHANGED = 0x2a05;

/** MP_BLUETOOTH_DEFAULT_ATTR_LEN: the value buffer a characteristic or descriptor gets. */
export const DEFAULT_ATTR_LEN = 20;
/** BTSTACK_GAP_DEVICE_NAME_HANDLE in the binding. */
export const GAP_DEVICE_NAME_HANDLE = 3;
/** MICROPY_PY_BLUETOOTH_DEFAULT_GAP_NAME for BTstack builds; the rp2 port does not override it. */
export const DEFAULT_GAP_NAME = 'MPY BTSTACK';

export interface Attribute {
  readonly handle: number;
  /** Attribute type, little-endian, 2 or 16 octets. */
  readonly type: Uint8Array;
  readonly flags: number;
  readonly readSecurity: number;
  readonly writeSecurity: number;
  /** The value of a static attribute (declarations, Service Changed). */
  readonly value: Uint8Array;
}

/** mp_bluetooth_gatts_db_entry_t. */
interface ValueEntry {
  data: Uint8Array;
  len: number;
  append: boolean;
}

export type CharacteristicDef = [Uuid, number] | [Uuid, number, [Uuid, number][]];
export type ServiceDef = [Uuid, CharacteristicDef[]];

const u16 = (v: number): Uint8Array => Uint8Array.from([v & 0xff, v >> 8]);

function security(flags: number, encrypted: number, authenticated: number, authorized: number): number {
  if (flags & encrypted) return SECURITY_ENCRYPTED;
  if (flags & authenticated) return SECURITY_AUTHENTICATED;
  if (flags & authorized) return SECURITY_AUTHORIZED;
  return SECURITY_NONE;
}

export class GattDb {
  private attrs: Attribute[] = [];
  private readonly entries = new Map<number, ValueEntry>();

  constructor(gapName = DEFAULT_GAP_NAME) {
    const name = new TextEncoder().encode(gapName);
    this.createEntry(GAP_DEVICE_NAME_HANDLE, name.length);
    this.write(GAP_DEVICE_NAME_HANDLE, name);
    this.beginServices();
  }

  get attributes(): readonly Attribute[] {
    return this.attrs;
  }

  find(handle: number): Attribute | undefined {
    return this.attrs.find((a) => a.handle === handle);
  }

  /** att_uuid_for_handle(): the 16-bit type of an attribute, 0 for 128-bit types and unknown handles. */
  uuid16Of(handle: number): number {
    const a = this.find(handle);
    return a && a.type.length === 2 ? a.type[0]! | (a.type[1]! << 8) : 0;
  }

  /** mp_bluetooth_gatts_register_service_begin(append=false): att_db_util_init plus the default services. */
  beginServices(): void {
    this.attrs = [];
    this.addService(u16(GAP_SERVICE));
    this.addCharacteristic(u16(GAP_DEVICE_NAME), ATT_PROPERTY_READ | ATT_PROPERTY_DYNAMIC, SECURITY_NONE, SECURITY_NONE);
    this.addService(u16(GATT_SERVICE));
    this.addCharacteristic(u16(GATT_SERVICE_CHANGED), ATT_PROPERTY_READ, SECURITY_NONE, SECURITY_NONE);
  }

  /** mp_bluetooth_gatts_register_service(): the value handle of each characteristic, then of each of its descriptors. */
  registerService([serviceUuid, characteristics]: ServiceDef): number[] {
    // The binding registers 16- and 128-bit UUIDs only; anything else returns MP_EINVAL.
    if (serviceUuid.bytes.length === 4) throw new BleError(Errno.EINVAL, '32-bit UUIDs are not supported by BTstack');
    this.addService(serviceUuid.bytes);
    const handles: number[] = [];
    for (const [charUuid, flags, descriptors = []] of characteristics) {
      if (charUuid.bytes.length === 4) throw new BleError(Errno.EINVAL, '32-bit UUIDs are not supported by BTstack');
      const props = (flags & 0x7f) | ATT_PROPERTY_DYNAMIC;
      const read = security(flags, FLAG_READ_ENCRYPTED, FLAG_READ_AUTHENTICATED, FLAG_READ_AUTHORIZED);
      const write = security(flags, FLAG_WRITE_ENCRYPTED, FLAG_WRITE_AUTHENTICATED, FLAG_WRITE_AUTHORIZED);
      const valueHandle = this.addCharacteristic(charUuid.bytes, props, read, write);
      this.createEntry(valueHandle, DEFAULT_ATTR_LEN);
      if (props & (ATT_PROPERTY_NOTIFY | ATT_PROPERTY_INDICATE)) {
        // "btstack automatically creates the CCCD as the next handle": a 2-octet value, initially 0.
        this.createEntry(valueHandle + 1, 2);
        this.write(valueHandle + 1, new Uint8Array(2));
      }
      handles.push(valueHandle);
      for (const [descUuid, descFlags] of descriptors) {
        if (descUuid.bytes.length === 4) throw new BleError(Errno.EINVAL, '32-bit UUIDs are not supported by BTstack');
        const handle = this.add(descUuid.bytes, (descFlags & 0x7f) | ATT_PROPERTY_DYNAMIC, new Uint8Array(0), {
          read: security(descFlags, FLAG_READ_ENCRYPTED, FLAG_READ_AUTHENTICATED, FLAG_READ_AUTHORIZED),
          write: security(descFlags, FLAG_WRITE_ENCRYPTED, FLAG_WRITE_AUTHENTICATED, FLAG_WRITE_AUTHORIZED),
        });
        this.createEntry(handle, DEFAULT_ATTR_LEN);
        handles.push(handle);
      }
    }
    return handles;
  }

  // ---- value store: mp_bluetooth_gatts_db_* -----------------------------------------------------

  /** mp_bluetooth_gatts_db_create_entry(): a fresh, empty buffer of `len` octets. */
  createEntry(handle: number, len: number): void {
    this.entries.set(handle, { data: new Uint8Array(len), len: 0, append: false });
  }

  has(handle: number): boolean {
    return this.entries.has(handle);
  }

  // Unknown handles: mp_bluetooth_gatts_db_read / _write / _resize return MP_EINVAL.

  /** mp_bluetooth_gatts_db_read(): reading an append-mode value empties it. */
  read(handle: number): Uint8Array {
    const e = this.entries.get(handle);
    if (!e) throw new BleError(Errno.EINVAL, `no value for handle ${handle}`);
    const value = e.data.slice(0, e.len);
    if (e.append) e.len = 0;
    return value;
  }

  /** mp_bluetooth_gatts_db_write(): a local write grows the buffer if it must. */
  write(handle: number, value: Uint8Array): void {
    const e = this.entries.get(handle);
    if (!e) throw new BleError(Errno.EINVAL, `no value for handle ${handle}`);
    if (value.length > e.data.length) e.data = new Uint8Array(value.length);
    e.data.set(value);
    e.len = value.length;
  }

  /** mp_bluetooth_gatts_db_resize(): new buffer size, empty value. */
  resize(handle: number, len: number, append: boolean): void {
    const e = this.entries.get(handle);
    if (!e) throw new BleError(Errno.EINVAL, `no value for handle ${handle}`);
    e.data = new Uint8Array(len);
    e.len = 0;
    e.append = append;
  }

  /** att_write_callback(): a peer's write is cut to the buffer; in append mode it is added at the end. */
  peerWrite(handle: number, value: Uint8Array): void {
    const e = this.entries.get(handle);
    if (!e) return;
    const at = e.append ? e.len : 0;
    const len = Math.min(e.data.length, value.length + at);
    e.data.set(value.subarray(0, len - at), at);
    e.len = len;
  }

  /** The value a peer reads: the stored value of a dynamic attribute, or the static one. */
  peerValue(a: Attribute): Uint8Array {
    if (!(a.flags & ATT_PROPERTY_DYNAMIC)) return a.value;
    const e = this.entries.get(a.handle);
    return e ? e.data.subarray(0, e.len) : new Uint8Array(0);
  }

  // ---- att_db_util ---------------------------------------------------------------------------

  private add(type: Uint8Array, flags: number, value: Uint8Array, sec = { read: SECURITY_NONE, write: SECURITY_NONE }): number {
    const handle = this.attrs.length + 1;
    this.attrs.push({ handle, type: type.slice(), flags, readSecurity: sec.read, writeSecurity: sec.write, value });
    return handle;
  }

  private addService(uuid: Uint8Array): void {
    this.add(u16(GATT_PRIMARY_SERVICE), ATT_PROPERTY_READ, uuid.slice());
  }

  /** att_db_util_add_characteristic_uuid*(): declaration, value, and a CCCD when notify/indicate. */
  private addCharacteristic(uuid: Uint8Array, props: number, read: number, write: number): number {
    const valueHandle = this.attrs.length + 2;
    const decl = new Uint8Array(3 + uuid.length);
    decl[0] = props & 0xff;
    decl.set(u16(valueHandle), 1);
    decl.set(uuid, 3);
    this.add(u16(GATT_CHARACTERISTIC), ATT_PROPERTY_READ, decl);
    this.add(uuid, props, new Uint8Array(0), { read, write });
    if (props & (ATT_PROPERTY_NOTIFY | ATT_PROPERTY_INDICATE)) {
      this.add(u16(GATT_CLIENT_CHARACTERISTIC_CONFIGURATION), ATT_PROPERTY_READ | ATT_PROPERTY_WRITE | ATT_PROPERTY_DYNAMIC, new Uint8Array(0));
    }
    return valueHandle;
  }
}
