// Settings → Publish as the form edits it (src-renderer/src/lib/publish.ts): off is null, on is a
// setting the contract takes (empty optional fields left out, a kept password left blank), and
// what the contract refuses is said before Save.
import { describe, expect, it } from 'vitest';
import { mqttPublishSchema } from '../../src-main/ipc/contract.ts';
import { publishForm, publishForSave, publishProblem } from '../../src-renderer/src/lib/publish.ts';

describe('publish settings form', () => {
  it('null is off; off saves null', () => {
    const f = publishForm(null);
    expect(f.on).toBe(false);
    expect(publishForSave(f)).toBeNull();
    expect(publishProblem(f)).toBeNull();
  });

  it('on saves what the contract takes, blanks left out, a kept password not sent', () => {
    const f = publishForm({ url: 'mqtt://h:1883', prefix: 'picolink', hubName: 'lab', haDiscovery: true, user: 'u', passwordSet: true });
    f.value.password = '';
    f.value.ca = '  ';
    f.value.hubName = ' lab ';
    const v = publishForSave(f)!;
    expect(v).toEqual({ url: 'mqtt://h:1883', prefix: 'picolink', user: 'u', passwordSet: true, hubName: 'lab', haDiscovery: true });
    expect(mqttPublishSchema.safeParse(v).success).toBe(true);
  });

  it('says what is wrong: a hub name with / or a URL that is not a broker', () => {
    const f = publishForm(null);
    f.on = true;
    f.value.hubName = 'a/b';
    expect(publishProblem(f)).toMatch(/^Publishing: a hub name with no \//);
    f.value.hubName = 'ok';
    f.value.url = 'http://h';
    expect(publishProblem(f)).toMatch(/^Publishing: a broker URL/);
  });
});
