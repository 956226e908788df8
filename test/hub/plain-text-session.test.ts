import { describe, expect, it } from 'vitest';
import { SessionError, type LinkMessage } from '../../src-main/hub/protocol/protocol-session.ts';
import { PlainTextSession } from '../../src-main/hub/protocol/plain-text-session.ts';

function harness(mtu = 23, write?: (value: Uint8Array) => void) {
  const written: Uint8Array[] = [];
  const s = new PlainTextSession({ mtu, write: write ?? ((v) => void written.push(v.slice())) });
  const messages: LinkMessage[] = [];
  const errors: Error[] = [];
  s.on('message', (m) => messages.push(m));
  s.on('error', (e) => errors.push(e));
  return { s, written, messages, errors };
}

describe('PlainTextSession (PROTOCOL.md 7)', () => {
  it('makes each received value one message: text when UTF-8, bytes otherwise', () => {
    const h = harness();
    h.s.start();
    expect(h.s.started).toBe(true);
    h.s.receive(new TextEncoder().encode('héllo ✓'));
    h.s.receive(Uint8Array.of(0xff, 0x00, 0x41));
    // Bytes that look like a PicoLink frame header are not read as one: this profile has no frames.
    h.s.receive(Uint8Array.of(0xc0, 0x03, 0x00));
    expect(h.messages).toEqual([
      { kind: 'text', text: 'héllo ✓' },
      { kind: 'data', bytes: Uint8Array.of(0xff, 0x00, 0x41) },
      { kind: 'data', bytes: Uint8Array.of(0xc0, 0x03, 0x00) },
    ]);
    expect(h.s.stats).toEqual({ framesIn: 3, framesOut: 0, messagesIn: 3, messagesOut: 0, bad: 0 });
    expect(h.written).toEqual([]);
  });

  it('sends text as UTF-8 and data as is, one value per message', async () => {
    const h = harness();
    await h.s.send({ kind: 'text', text: 'hi ✓' });
    await h.s.send({ kind: 'data', bytes: Uint8Array.of(1, 2, 3) });
    expect(h.written).toEqual([Uint8Array.of(0x68, 0x69, 0x20, 0xe2, 0x9c, 0x93), Uint8Array.of(1, 2, 3)]);
    expect(h.s.stats.framesOut).toBe(2);
    expect(h.s.stats.messagesOut).toBe(2);
  });

  it('refuses a message longer than ATT_MTU - 3, and an empty one', async () => {
    const h = harness(23);
    await h.s.send({ kind: 'text', text: 'x'.repeat(20) });
    await expect(h.s.send({ kind: 'text', text: 'x'.repeat(21) })).rejects.toMatchObject({ code: 'too-long' });
    // 'é' is two octets: 10 of them are 20 octets, 11 are 22.
    await expect(h.s.send({ kind: 'text', text: 'é'.repeat(11) })).rejects.toMatchObject({ code: 'too-long' });
    await expect(h.s.send({ kind: 'data', bytes: new Uint8Array(0) })).rejects.toMatchObject({ code: 'empty' });
    await expect(h.s.send({ kind: 'text', text: '' })).rejects.toBeInstanceOf(SessionError);
    expect(h.written).toHaveLength(1);
    h.s.setMtu(247);
    await h.s.send({ kind: 'data', bytes: new Uint8Array(244) });
    await expect(h.s.send({ kind: 'data', bytes: new Uint8Array(245) })).rejects.toMatchObject({ code: 'too-long' });
    // A value is at most 512 octets whatever the MTU.
    h.s.setMtu(600);
    expect(h.s.maxMessage).toBe(512);
    expect(() => h.s.setMtu(10)).toThrow(RangeError);
  });

  it('a write that throws closes the session with write-failed', async () => {
    const h = harness(23, () => {
      throw new Error('gone');
    });
    await expect(h.s.send({ kind: 'text', text: 'a' })).rejects.toMatchObject({ code: 'write-failed' });
    expect(h.s.closed).toBe(true);
    expect(h.errors).toHaveLength(1);
    expect((h.errors[0] as SessionError).code).toBe('write-failed');
    await expect(h.s.send({ kind: 'text', text: 'b' })).rejects.toMatchObject({ code: 'closed' });
  });

  it('close() is idempotent and stops receiving and sending', async () => {
    const h = harness();
    h.s.start();
    h.s.close();
    h.s.close();
    expect(h.s.closed).toBe(true);
    h.s.receive(new TextEncoder().encode('late'));
    expect(h.messages).toEqual([]);
    await expect(h.s.send({ kind: 'text', text: 'x' })).rejects.toMatchObject({ code: 'closed' });
    expect(h.written).toEqual([]);
    expect(h.s.stats.framesIn).toBe(0);
  });

  it('a listener that throws becomes an error event, not an exception from receive()', () => {
    const h = harness();
    h.s.on('message', () => {
      throw new Error('listener broke');
    });
    expect(() => h.s.receive(Uint8Array.of(0x41))).not.toThrow();
    expect(h.errors.map((e) => e.message)).toEqual(['listener broke']);
    expect(h.messages).toEqual([{ kind: 'text', text: 'A' }]);
  });
});
