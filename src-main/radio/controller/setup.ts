// Everything a host sets up before the procedures, and what it reads about the controller:
// reset, event masks, the random address, version, features, buffers, supported commands.
import { randomBytes } from 'node:crypto';
import * as C from '../../hci/constants.ts';
import { ReadLeHostSupport, Reset, SetEventFilter, SetEventMask, SetEventMaskPage2, WriteLeHostSupport } from '../../hci/commands/baseband.ts';
import {
  ReadBdAddr,
  ReadBufferSize,
  ReadLocalSupportedCommands,
  ReadLocalSupportedFeatures,
  ReadLocalVersionInformation,
} from '../../hci/commands/informational.ts';
import { LeSetRandomAddress } from '../../hci/commands/le-advertising.ts';
import {
  LeRand,
  LeReadBufferSize,
  LeReadLocalSupportedFeatures,
  LeReadSupportedStates,
  LeSetEventMask,
} from '../../hci/commands/le-controller.ts';
import { subeventOf } from '../../hci/event.ts';
import type { HciEvent } from '../../hci/packets.ts';
import { leFeatures, lmpFeatures, supportedCommands } from './capabilities.ts';
import { sameBytes, type ControllerCore } from './core.ts';
import { accept, handle, ok, refuse, type CommandHandler } from './dispatch.ts';
import { HCI_REVISION, HCI_VERSION_5_4, LMP_SUBVERSION, LMP_VERSION_5_4, MANUFACTURER_TEST } from './options.ts';

/** Default masks after reset. Core 5.4 Vol 4 Part E 7.3.1 and 7.8.1. */
const DEFAULT_EVENT_MASK = [0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00, 0x00];
const DEFAULT_LE_EVENT_MASK = [0x1f, 0, 0, 0, 0, 0, 0, 0];
/** Page 2 (7.3.69): all masked after reset. */
const DEFAULT_EVENT_MASK_PAGE_2 = [0, 0, 0, 0, 0, 0, 0, 0];
/** LE_States (7.8.27): every state and combination up to bit 41. */
const LE_STATES = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x03, 0, 0]);

function maskHas(mask: Uint8Array, bit: number): boolean {
  return ((mask[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;
}

export class Setup {
  private eventMask: Uint8Array = Uint8Array.from(DEFAULT_EVENT_MASK);
  private leEventMask: Uint8Array = Uint8Array.from(DEFAULT_LE_EVENT_MASK);
  private eventMaskPage2: Uint8Array = Uint8Array.from(DEFAULT_EVENT_MASK_PAGE_2);
  /** Which advertising commands the host has used since reset: the two kinds do not mix (Vol 4 Part E 3.1.1). */
  private advertisingCommands: 'legacy' | 'extended' | null = null;
  /** LE_Set_Random_Address; null until set. */
  randomAddress: Uint8Array | null = null;

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    this.eventMask = Uint8Array.from(DEFAULT_EVENT_MASK);
    this.leEventMask = Uint8Array.from(DEFAULT_LE_EVENT_MASK);
    this.eventMaskPage2 = Uint8Array.from(DEFAULT_EVENT_MASK_PAGE_2);
    this.randomAddress = null;
    this.advertisingCommands = null;
  }

  /** Whether a `kind` advertising command may run: none of the other kind since reset (3.1.1: else Command Disallowed). */
  useAdvertisingCommands(kind: 'legacy' | 'extended'): boolean {
    if (this.advertisingCommands !== null && this.advertisingCommands !== kind) return false;
    this.advertisingCommands = kind;
    return true;
  }

  /** Whether the masks let `e` through; the answers to commands and buffer reports always pass. */
  allows(e: HciEvent): boolean {
    const always = e.code === C.HCI_COMMAND_COMPLETE || e.code === C.HCI_COMMAND_STATUS || e.code === C.HCI_NUMBER_OF_COMPLETED_PACKETS;
    // Event codes from 0x40 on are unmasked by page 2 (7.3.69), the others by page 1 (7.3.1).
    const page2 = e.code >= 0x40;
    if (!always && !(page2 ? maskHas(this.eventMaskPage2, C.eventMaskPage2Bit(e.code)) : maskHas(this.eventMask, e.code - 1))) return false;
    const subevent = subeventOf(e);
    return subevent === null || this.leEventEnabled(subevent);
  }

  leEventEnabled(subevent: number): boolean {
    return maskHas(this.leEventMask, C.leEventMaskBit(subevent));
  }

  /** The address advertising and initiating use for Own_Address_Type (public, or random once set). */
  ownAddress(type: number): { addressType: number; address: Uint8Array } {
    const random = (type & 1) === 1 && this.randomAddress !== null;
    return { addressType: random ? 1 : 0, address: random ? this.randomAddress! : this.core.publicAddress };
  }

  isMe(address: Uint8Array): boolean {
    return sameBytes(address, this.core.publicAddress) || (this.randomAddress !== null && sameBytes(address, this.randomAddress));
  }

  handlers(): CommandHandler[] {
    const core = this.core;
    const o = core.options;
    const list = [
      handle(Reset, () => (core.clearHostState(), ok())),
      handle(SetEventMask, (p) => ((this.eventMask = p.eventMask), ok())),
      handle(SetEventMaskPage2, (p) => ((this.eventMaskPage2 = p.eventMaskPage2), ok())),
      handle(LeSetEventMask, (p) => ((this.leEventMask = p.leEventMask), ok())),
      accept(SetEventFilter),
      accept(WriteLeHostSupport),
      handle(ReadLeHostSupport, () => ok({ leSupportedHost: 1, unused: 0 })),
      handle(ReadLocalVersionInformation, () =>
        ok({ hciVersion: HCI_VERSION_5_4, hciSubversion: HCI_REVISION, lmpVersion: LMP_VERSION_5_4, companyIdentifier: MANUFACTURER_TEST, lmpSubversion: LMP_SUBVERSION }),
      ),
      handle(ReadLocalSupportedCommands, () => ok({ supportedCommands: supportedCommands(o) })),
      handle(ReadLocalSupportedFeatures, () => ok({ lmpFeatures: lmpFeatures() })),
      // BR/EDR buffers: none on an LE-only controller, so hosts use the LE buffers. 7.4.5
      handle(ReadBufferSize, () => ok({ aclDataPacketLength: 0, synchronousDataPacketLength: 0, totalNumAclDataPackets: 0, totalNumSynchronousDataPackets: 0 })),
      handle(ReadBdAddr, () => ok({ bdAddr: core.publicAddress })),
      handle(LeReadBufferSize, () => ok({ leAclDataPacketLength: o.leAclBufferLength, totalNumLeAclDataPackets: o.leAclBufferCount })),
      handle(LeReadLocalSupportedFeatures, () => ok({ leFeatures: leFeatures(o) })),
      handle(LeReadSupportedStates, () => ok({ leStates: LE_STATES })),
      handle(LeSetRandomAddress, (p) => {
        // 7.8.4: refused while advertising, scanning or initiating.
        if (core.advertising.isEnabled || core.scanning.isEnabled || core.initiating.isPending) return refuse(C.HciStatus.COMMAND_DISALLOWED);
        this.randomAddress = p.randomAddress;
        return ok();
      }),
      // 7.8.23: random numbers for keys and SKD, so from the system's cryptographic generator, not the air's seeded one.
      handle(LeRand, () => ok({ randomNumber: Uint8Array.from(randomBytes(8)) })),
    ];
    return list;
  }
}
