// A hub as mqtt/topics.ts and mqtt/schemas.ts describe it, played by one MQTT.js client: its
// status with a last will, retained states for its devices, and a tx handler that answers on the
// MQTT 5 response topic, reports the send as a `sent` event and echoes it on rx. Tests of the
// dashboard's sources use it where the real `picolink hub --mqtt` is not the point.
import mqtt, { type MqttClient } from 'mqtt';
import type { StatePayload } from '../../src-main/mqtt/schemas.ts';

export const PREFIX = 'pl';
export const HUB = 'A';
export const ADDRS = ['e6:61:00:00:00:01', 'e6:61:00:00:00:02'];
export const level = (a: string): string => a.replace(/:/g, '');
export const HUB_KEEPALIVE_S = 1;

export const state = (address: string, i: number): StatePayload => ({
  hub: HUB,
  address,
  name: `pico${i + 1}`,
  state: 'linked',
  reason: 'linked',
  fault: null,
  adapter: 'sim0',
  profile: 'picolink',
  rssi: -40,
  intervalMs: 7.5,
  mtu: 247,
  at: Date.now(),
});

/** A hub as the topic tree and schemas describe it: status with its will, retained states, an echoing tx. */
export async function scriptedHub(url: string): Promise<{ client: MqttClient; txs: string[] }> {
  const txs: string[] = [];
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 5,
    clientId: 'scripted-hub-A',
    keepalive: HUB_KEEPALIVE_S,
    reconnectPeriod: 0,
    will: { topic: `${PREFIX}/${HUB}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  await client.subscribeAsync(`${PREFIX}/${HUB}/+/tx`, { qos: 1 });
  client.on('message', (topic, payload, packet) => {
    const address = ADDRS.find((a) => topic === `${PREFIX}/${HUB}/${level(a)}/tx`)!;
    const { text } = JSON.parse(payload.toString()) as { text: string };
    txs.push(text);
    const reply = packet.properties!.responseTopic!;
    void client.publishAsync(reply, JSON.stringify({ ok: true, hub: HUB }), { qos: 1, properties: { correlationData: packet.properties!.correlationData! } }).catch(() => {});
    void client.publishAsync(`${PREFIX}/${HUB}/${level(address)}/events`, JSON.stringify({ kind: 'sent', text, hub: HUB, address, at: Date.now() }), { qos: 1 }).catch(() => {});
    void client.publishAsync(`${PREFIX}/${HUB}/${level(address)}/rx`, JSON.stringify({ hub: HUB, address, name: 'pico1', at: Date.now(), text: `echo ${text}` }), { qos: 1 }).catch(() => {});
  });
  await client.publishAsync(`${PREFIX}/${HUB}/status`, 'online', { qos: 1, retain: true });
  for (const [i, a] of ADDRS.entries()) await client.publishAsync(`${PREFIX}/${HUB}/${level(a)}/state`, JSON.stringify(state(a, i)), { qos: 1, retain: true });
  return { client, txs };
}


/**
 * The scripted hub's status in a process of its own, so a test can freeze it (SIGSTOP): its socket
 * stays open and silent, and only the broker's keep-alive check can find it gone. Runs in its own
 * process group; kill() ends it whatever its state.
 */
export async function frozenHubProcess(url: string, keepaliveSeconds: number): Promise<{ pid: number; freeze(): void; kill(): void }> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const script = `
    import mqtt from 'mqtt';
    const c = await mqtt.connectAsync(${JSON.stringify(url)}, { protocolVersion: 5, clientId: 'frozen-hub', keepalive: ${keepaliveSeconds}, reconnectPeriod: 0,
      will: { topic: '${PREFIX}/${HUB}/status', payload: Buffer.from('offline'), qos: 1, retain: true } });
    await c.publishAsync('${PREFIX}/${HUB}/status', 'online', { qos: 1, retain: true });
    console.log('ready');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // Gone already.
    }
  };
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the hub process exited (${code}) before it was ready`)));
  });
  return {
    pid: child.pid!,
    freeze: () => signal('SIGSTOP'),
    kill: () => {
      signal('SIGKILL');
      signal('SIGCONT');
    },
  };
}
