// Settings → Publish (this computer's hub on a broker, `picolink hub --mqtt`) as the form edits it
// and as settings.set takes it.
import { mqttPublishSchema, type MqttPublishSettings } from '../../../src-main/ipc/contract.ts';
import { cleanBroker } from './sources.ts';

/** The form: always a full value, with `on` saying whether it is saved as the setting or as null. */
export interface PublishForm {
  on: boolean;
  value: MqttPublishSettings;
}

export function publishForm(saved: MqttPublishSettings | null | undefined): PublishForm {
  return saved ? { on: true, value: { ...saved } } : { on: false, value: { url: 'mqtt://localhost:1883', prefix: 'picolink', hubName: 'dashboard', haDiscovery: false } };
}

export function publishForSave(f: PublishForm): MqttPublishSettings | null {
  if (!f.on) return null;
  return { ...cleanBroker(f.value), hubName: f.value.hubName.trim(), haDiscovery: f.value.haDiscovery };
}

/** What is wrong with the form, or null. */
export function publishProblem(f: PublishForm): string | null {
  const v = publishForSave(f);
  if (v === null) return null;
  const r = mqttPublishSchema.safeParse(v);
  return r.success ? null : `Publishing: ${r.error.issues[0]?.message ?? 'not a broker'}`;
}
