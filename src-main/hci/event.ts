// What an HCI event is: its Event_Code (Core 5.4 Vol 4 Part E 7.7) or, for an LE Meta event, its
// Subevent_Code (7.7.65), and its fields. Definitions are in events.ts and le-events.ts.
import { ByteReader, ByteWriter, DecodeError } from './bytes.ts';
import { HCI_EVENT_PKT, HCI_LE_META } from './constants.ts';
import { decodePacket, type HciEvent } from './packets.ts';
import { readStruct, writeStruct, type Spec, type Value } from './struct.ts';

/** A decoded event: its spec name and its fields. */
export type Decoded<N extends string, S extends Spec> = { readonly event: N } & Value<S>;

export interface EventDef<N extends string = string, S extends Spec = Spec> {
  /** As the spec names it: 'HCI_Disconnection_Complete'. */
  readonly name: N;
  /** Its section in Core 5.4 Vol 4 Part E. */
  readonly section: string;
  readonly code: number;
  /** The LE Meta Subevent_Code (the first parameter), or null for other events. */
  readonly subevent: number | null;
  readonly fields: S;
  /** Decodes this event, named: malformed parameters throw DecodeError. */
  parse(e: HciEvent): Decoded<N, S>;
}

export type FieldsOf<D> = D extends EventDef<string, infer S> ? Value<S> : never;

interface Definition<N extends string, S extends Spec> {
  name: N;
  section: string;
  fields: S;
}

function define<N extends string, S extends Spec>(d: Definition<N, S>, code: number, subevent: number | null): EventDef<N, S> {
  const def: EventDef<N, S> = {
    ...d,
    code,
    subevent,
    parse: (e) => ({ event: d.name, ...decodeEvent(def, e) }),
  };
  return def;
}

export function event<const N extends string, S extends Spec>(d: Definition<N, S> & { code: number }): EventDef<N, S> {
  return define(d, d.code, null);
}

/** An LE Meta event (7.7.65): Event_Code 0x3E, then the Subevent_Code, then the fields. */
export function leEvent<const N extends string, S extends Spec>(d: Definition<N, S> & { subevent: number }): EventDef<N, S> {
  return define(d, HCI_LE_META, d.subevent);
}

export function encodeEvent<S extends Spec>(def: EventDef<string, S>, value: Value<S>): HciEvent {
  const w = new ByteWriter();
  if (def.subevent !== null) w.u8(def.subevent);
  writeStruct(def.fields, w, value);
  return { kind: 'event', code: def.code, params: w.finish() };
}

/** The Subevent_Code of an LE Meta event (its first parameter, 7.7.65); null for other events. */
export function subeventOf(e: HciEvent): number | null {
  return e.code === HCI_LE_META ? (e.params[0] ?? null) : null;
}

/** True when `e` is this kind of event (code and, for LE Meta, subevent). */
export function isEvent(e: HciEvent, def: EventDef): boolean {
  return e.code === def.code && (def.subevent === null || subeventOf(e) === def.subevent);
}

/** The fields of `e`, which must be this kind of event. Offsets in errors count from the first parameter. */
export function decodeEvent<S extends Spec>(def: EventDef<string, S>, e: HciEvent): Value<S> {
  const r = new ByteReader(e.params);
  if (!isEvent(e, def)) r.fail('wrong-event', 0, `event 0x${e.code.toString(16)} is not ${def.name}`);
  if (def.subevent !== null) r.u8();
  const v = readStruct(def.fields, r);
  r.end();
  return v;
}

/** The fields of `e` if it is this kind of event, else null. */
export function asEvent<S extends Spec>(e: HciEvent, def: EventDef<string, S>): Value<S> | null {
  return isEvent(e, def) ? decodeEvent(def, e) : null;
}

/**
 * The fields of a whole H4 packet (indicator first) if it is a well-formed `def` event; null for
 * anything else, malformed packets included. For code that watches a stream it does not own.
 */
export function peekEvent<S extends Spec>(h4: Uint8Array, def: EventDef<string, S>): Value<S> | null {
  if (h4[0] !== HCI_EVENT_PKT || h4[1] !== def.code) return null;
  try {
    const p = decodePacket(h4);
    return p.kind === 'event' ? asEvent(p, def) : null;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return null;
  }
}

/** An event no definition covers: its code and parameters as they came. */
export interface OtherEvent {
  readonly event: 'other';
  readonly code: number;
  readonly params: Uint8Array;
}

/** A parser for a set of events: each decoded and named, the rest as OtherEvent. */
export function eventParser<D extends EventDef>(defs: readonly D[]): (e: HciEvent) => ReturnType<D['parse']> | OtherEvent {
  const key = (code: number, subevent: number | null): string => `${code}/${subevent ?? '-'}`;
  const byKey = new Map<string, D>(defs.map((d) => [key(d.code, d.subevent), d]));
  return (e) => {
    const def = byKey.get(key(e.code, subeventOf(e)));
    return def ? (def.parse(e) as ReturnType<D['parse']>) : { event: 'other', code: e.code, params: e.params };
  };
}
