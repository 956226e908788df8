// The topic tree (src-main/mqtt/topics.ts): what a hub builds it parses back, names that cannot
// be a topic level are refused (MQTT 5.0 §4.7.1: '/', '+', '#'; §1.5.4: NUL; §4.7.2: '$').
import { describe, expect, it } from 'vitest';
import { addressOfLevel, checkHubName, checkPrefix, deviceLevel, HubTopics, parseTopic, sanitiseHubName, TopicError } from '../../src-main/mqtt/topics.ts';

describe('topics', () => {
  const t = new HubTopics('picolink', 'greenhouse');
  const A = 'aa:bb:cc:dd:ee:0f';

  it('builds the tree under PREFIX/HUB with DEVICE as 12 hex digits', () => {
    expect(t.status).toBe('picolink/greenhouse/status');
    expect(t.events).toBe('picolink/greenhouse/events');
    expect(t.hubCommand('pair')).toBe('picolink/greenhouse/pair');
    expect(t.device(A, 'state')).toBe('picolink/greenhouse/aabbccddee0f/state');
    expect(t.device('AA-BB-CC-DD-EE-0F', 'tx')).toBe('picolink/greenhouse/aabbccddee0f/tx');
    expect(t.reply('dash1')).toBe('picolink/greenhouse/reply/dash1');
    expect(t.commandFilters()).toEqual(['picolink/greenhouse/pair', 'picolink/greenhouse/unpair', 'picolink/greenhouse/+/tx', 'picolink/greenhouse/+/connect', 'picolink/greenhouse/+/disconnect']);
  });

  it('parses every topic it builds, and nothing else', () => {
    for (const k of ['state', 'samples', 'stats', 'rx', 'events', 'tx', 'connect', 'disconnect'] as const) {
      expect(parseTopic('picolink', t.device(A, k))).toEqual({ hub: 'greenhouse', kind: k, device: A });
    }
    expect(parseTopic('picolink', t.status)).toEqual({ hub: 'greenhouse', kind: 'status' });
    expect(parseTopic('picolink', t.hubCommand('unpair'))).toEqual({ hub: 'greenhouse', kind: 'unpair' });
    expect(parseTopic('picolink', t.reply('x'))).toEqual({ hub: 'greenhouse', kind: 'reply', client: 'x' });
    for (const bad of ['picolink/greenhouse', 'other/greenhouse/status', 'picolink/greenhouse/aabbccddee0f/nope', 'picolink/greenhouse/aa:bb:cc:dd:ee:0f/state', 'picolink/greenhouse/aabbccddee0f/state/x', 'picolink/greenhouse/nope']) {
      expect(parseTopic('picolink', bad), bad).toBeNull();
    }
    expect(new HubTopics('picolink', 'other').parse(t.status)).toBeNull();
  });

  it('a multi-level prefix works', () => {
    const s = new HubTopics('site/a', 'h');
    expect(s.device(A, 'rx')).toBe('site/a/h/aabbccddee0f/rx');
    expect(s.parse(s.device(A, 'rx'))).toEqual({ hub: 'h', kind: 'rx', device: A });
  });

  it('refuses hub names and prefixes that cannot be a topic level', () => {
    for (const bad of ['', 'a/b', 'a+', '#', '$SYS', 'x\u0000', 'x'.repeat(65)]) expect(() => checkHubName(bad), JSON.stringify(bad)).toThrow(TopicError);
    expect(checkHubName('Greenhouse 2 (north)')).toBe('Greenhouse 2 (north)');
    for (const bad of ['', 'a//b', 'a/+', '/a', 'a/']) expect(() => checkPrefix(bad), bad).toThrow(TopicError);
    expect(() => new HubTopics('picolink', 'a/b')).toThrow(/has one of \/ \+ #/);
  });

  it('sanitises a host name into a default hub name', () => {
    expect(sanitiseHubName('Pi-4.local')).toBe('pi-4-local');
    expect(sanitiseHubName('...')).toBe('hub');
    expect(() => checkHubName(sanitiseHubName('a/b+c#d'))).not.toThrow();
  });

  it('device levels round-trip and refuse non-addresses', () => {
    expect(deviceLevel(A)).toBe('aabbccddee0f');
    expect(addressOfLevel('aabbccddee0f')).toBe(A);
    expect(addressOfLevel('AABBCCDDEE0F')).toBeNull();
    expect(() => deviceLevel('pico1')).toThrow(TopicError);
  });
});
