// How long link-layer packets occupy the air, and what that allows a connection to carry.
// Pure arithmetic from the Core 5.4 packet formats: Vol 6 Part B 2.1 (LE Uncoded PHYs: preamble,
// access address, PDU, CRC), 2.2 (LE Coded PHY), 2.4 (data channel PDU: 2-octet header, payload,
// MIC when encrypted and the payload is not empty), 4.1.1 (T_IFS); Vol 6 Part A 3 (PHY symbol rates).

export type Phy = '1M' | '2M' | 'coded'; // 'coded' = LE Coded S=8

/** Inter frame space between consecutive packets on the same channel. Core 5.4 Vol 6 Part B 4.1.1. */
export const T_IFS_US = 150;

const ACCESS_ADDRESS_OCTETS = 4; // Vol 6 Part B 2.1.2
const DATA_PDU_HEADER_OCTETS = 2; // Vol 6 Part B 2.4
const MIC_OCTETS = 4; // Vol 6 Part B 2.4: present only on encrypted, non-empty PDUs
const CRC_OCTETS = 3; // Vol 6 Part B 2.1.4
/** L2CAP basic header (length, CID). Core 5.4 Vol 3 Part A 3.1. */
export const L2CAP_BASIC_HEADER_OCTETS = 4;
/** ATT Write Command / Handle Value Notification: opcode 1 + handle 2. Core 5.4 Vol 3 Part F 3.4.5.3, 3.4.7.1. */
export const ATT_VALUE_HEADER_OCTETS = 3;

// LE Coded PHY, S=8: preamble 80 us, access address 256 us, CI 16 us, TERM1 24 us (FEC block 1 at
// S=8); PDU and CRC at 8 us per bit (64 us per octet); TERM2 24 us. Core 5.4 Vol 6 Part B 2.2.
const CODED_FIXED_US = 80 + 256 + 16 + 24 + 24;
const CODED_US_PER_OCTET = 64;

/** Airtime of one data channel PDU with `payloadOctets` of payload (0 = empty PDU). */
export function pduAirtimeUs(phy: Phy, payloadOctets: number, encrypted = false): number {
  const mic = encrypted && payloadOctets > 0 ? MIC_OCTETS : 0;
  const pduAndCrc = DATA_PDU_HEADER_OCTETS + payloadOctets + mic + CRC_OCTETS;
  switch (phy) {
    // 1M: 1-octet preamble, 8 us per octet. Vol 6 Part B 2.1.1.
    case '1M':
      return (1 + ACCESS_ADDRESS_OCTETS + pduAndCrc) * 8;
    // 2M: 2-octet preamble, 4 us per octet. Vol 6 Part B 2.1.1.
    case '2M':
      return (2 + ACCESS_ADDRESS_OCTETS + pduAndCrc) * 4;
    case 'coded':
      return CODED_FIXED_US + pduAndCrc * CODED_US_PER_OCTET;
  }
}

/** One central PDU + T_IFS + peripheral PDU + T_IFS: the cost of one exchange in a connection event. */
export function exchangeUs(phy: Phy, centralPayload: number, peripheralPayload: number, encrypted = false): number {
  return pduAirtimeUs(phy, centralPayload, encrypted) + T_IFS_US + pduAirtimeUs(phy, peripheralPayload, encrypted) + T_IFS_US;
}

/**
 * The time from the anchor point by which the last packet of an event must have ended: the
 * controller's own limit (its scheduler's maximum event length), and never closer than T_IFS to
 * the next anchor point, where the next event's first packet starts (Vol 6 Part B 4.5.1).
 */
export function eventBudgetUs(intervalMs: number, maxEventUs = Infinity): number {
  return Math.min(maxEventUs, intervalMs * 1000 - T_IFS_US);
}

/** Whether an exchange starting `startUs` after the anchor fits: its last packet ends within the budget. */
export function exchangeFits(startUs: number, costUs: number, budgetUs: number): boolean {
  return startUs + costUs - T_IFS_US <= budgetUs;
}

export interface LinkCapacityInput {
  phy: Phy;
  intervalMs: number;
  /** Largest LL payload the sending side may use (connMaxTxOctets): 27 without DLE, up to 251. */
  maxTxOctets: number;
  attMtu: number;
  maxEventUs?: number;
  op: 'write-without-response' | 'notify';
  encrypted?: boolean;
}

export interface LinkCapacity {
  /** ATT value octets per second. */
  applicationBytesPerSecond: number;
  /** Data PDUs per connection event, averaged over the stream. */
  pdusPerEvent: number;
  /** LL payload octets per second (L2CAP headers and ATT headers included). */
  llPayloadBytesPerSecond: number;
}

/**
 * The physical limit of one direction of a connection carrying ATT values of attMtu-3 octets back
 * to back: each ATT PDU in one L2CAP B-frame, fragmented into PDUs of at most maxTxOctets (a
 * fragment never carries two frames); each data PDU answered by an empty PDU; exchanges packed
 * into each event while they fit (MD set, Vol 6 Part B 4.5.6).
 */
export function linkCapacity(input: LinkCapacityInput): LinkCapacity {
  const { phy, intervalMs, maxTxOctets, attMtu, op, encrypted = false } = input;
  const budget = eventBudgetUs(intervalMs, input.maxEventUs);
  const sdu = L2CAP_BASIC_HEADER_OCTETS + attMtu;
  const fragments: number[] = [];
  for (let left = sdu; left > 0; left -= maxTxOctets) fragments.push(Math.min(left, maxTxOctets));
  const cost = fragments.map((f) => (op === 'notify' ? exchangeUs(phy, 0, f, encrypted) : exchangeUs(phy, f, 0, encrypted)));
  if (cost.some((c) => !exchangeFits(0, c, budget))) return { applicationBytesPerSecond: 0, pdusPerEvent: 0, llPayloadBytesPerSecond: 0 };
  // Walk a long enough stream event by event: a frame's fragments may straddle events.
  const EVENTS = 1000;
  let pdus = 0;
  let frames = 0;
  let octets = 0;
  let i = 0;
  for (let e = 0; e < EVENTS; e++) {
    let t = 0;
    while (exchangeFits(t, cost[i]!, budget)) {
      t += cost[i]!;
      pdus++;
      octets += fragments[i]!;
      i++;
      if (i === fragments.length) {
        i = 0;
        frames++;
      }
    }
  }
  const seconds = (EVENTS * intervalMs) / 1000;
  return {
    applicationBytesPerSecond: (frames * (attMtu - ATT_VALUE_HEADER_OCTETS)) / seconds,
    pdusPerEvent: pdus / EVENTS,
    llPayloadBytesPerSecond: octets / seconds,
  };
}
