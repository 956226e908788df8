import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Radio } from '../../src-main/radio/radio.ts';

let dir: string;
let radio: Radio;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-radio-'));
  radio = new Radio({ btsnoop: path.join(dir, 'cap.btsnoop') });
});
afterEach(async () => {
  await radio.close();
  rmSync(dir, { recursive: true, force: true });
});

it('names nodes hci0, hci1, ... with distinct addresses, and refuses duplicates', () => {
  const a = radio.addNode();
  const b = radio.addNode();
  expect([a.name, b.name]).toEqual(['hci0', 'hci1']);
  expect(a.controller.options.address).not.toBe(b.controller.options.address);
  expect(() => radio.addNode({ name: 'hci0' })).toThrow(/exists already/);
});

it.each(['a/b', '../up', '.hidden', '', 'x'.repeat(33), 'sp ace'])('refuses the unsafe node name %j before touching the air or disk', (name) => {
  expect(() => radio.addNode({ name })).toThrow(/must be/);
  expect(radio.list()).toEqual([]);
  expect(existsSync(path.join(dir, `cap-${name}.btsnoop`))).toBe(false);
});

it('captures each node to its own btsnoop file and refuses a second node on the same pty path', () => {
  radio.addNode({ name: 'a' });
  radio.addNode({ name: 'b' });
  radio.attachPty('a', path.join(dir, 'pty'));
  expect(() => radio.attachPty('b', path.join(dir, 'pty'))).toThrow(/already node a's endpoint/);
  expect(existsSync(path.join(dir, 'cap-a.btsnoop'))).toBe(true);
  expect(existsSync(path.join(dir, 'cap-b.btsnoop'))).toBe(true);
  radio.removeNode('a');
  expect(existsSync(path.join(dir, 'pty'))).toBe(false);
  expect(() => radio.get('a')).toThrow(/no node named "a"/);
});

it('rejects packet error rates outside 0..1 and names unknown nodes in errors', () => {
  radio.addNode({ name: 'a' });
  radio.addNode({ name: 'b' });
  expect(() => radio.setPacketErrorRate('a', 'b', 1.5)).toThrow(RangeError);
  expect(() => radio.setPacketErrorRate('a', 'zz', 0.1)).toThrow(/no node named "zz" \(have: a, b\)/);
  expect(radio.dropConnections('a', 'b')).toBe(0);
});
