// A HostEnd whose controller side is the test: it records what the host sends and delivers H4 bytes synchronously.
import type { HostEnd } from '../../src-main/hci/host-end.ts';
import { decodePacket, encodePacket, type HciPacket } from '../../src-main/hci/packets.ts';

export interface FakeEnd {
  end: HostEnd;
  /** Packets the host sent, decoded. */
  sent: HciPacket[];
  /** Delivers a packet (or raw bytes) to the host, synchronously. */
  deliver(p: HciPacket | Uint8Array): void;
}

export function fakeEnd(): FakeEnd {
  let receiver: ((b: Uint8Array) => void) | null = null;
  const sent: HciPacket[] = [];
  return {
    end: {
      send: (bytes) => sent.push(decodePacket(bytes)),
      onReceive: (r) => {
        receiver = r;
      },
      close: () => undefined,
    },
    sent,
    deliver: (p) => receiver!(p instanceof Uint8Array ? p : encodePacket(p)),
  };
}
