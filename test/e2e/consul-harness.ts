// End-to-end harness for Gatehouse fed by Consul: the TEST-ONLY Consul emulator over real HTTP, a
// Gatehouse whose catalog comes from the Consul catalog and whose policy comes from Consul KV, and
// agent-API helpers (register with a TTL check, pass/fail, maintenance, deregister, KV put).
// The Consul sources are the production classes, built with fast timing (short waits, quick
// backoff, no periodic resync) so a test takes seconds, not minutes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadSettings } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Gatehouse, startGatehouse } from '../../src/main.ts';
import { ConsulCatalogSource, ConsulKvPolicySource } from '../../src/sources/consul/index.ts';
import type { ConsulEmulator } from '../consul/emulator/index.ts';
import { call, FAST } from '../consul/helpers.ts';
import type { Backend } from '../fixtures/greeter/greeter.ts';

/** The KV prefix the policy lives under (`<prefix>/policy.yaml`). */
export const PREFIX = 'gatehouse';
export const POLICY_KEY = `${PREFIX}/policy.yaml`;

/** A Gatehouse on Consul and the two Consul sources it reads. */
export interface ConsulGatehouse {
  readonly gatehouse: Gatehouse;
  readonly catalog: ConsulCatalogSource;
  readonly policy: ConsulKvPolicySource;
  stop(): Promise<void>;
}

/**
 * Starts Gatehouse from a settings file that asks for Consul (catalog from Consul, policy from
 * KV), with the two Consul sources built here on fast timing; waits for the first snapshot.
 */
export async function startConsulGatehouse(emu: ConsulEmulator): Promise<ConsulGatehouse> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-consul-e2e-'));
  const file = path.join(dir, 'gatehouse.yaml');
  await writeFile(
    file,
    stringify({
      xds: { address: '127.0.0.1:0' },
      admin: { address: '127.0.0.1:0' },
      authz: { address: '127.0.0.1:0' },
      consul: { address: emu.url },
      catalog: { consul: true },
      policy: { consulPrefix: PREFIX },
      pipeline: { quietPeriod: '20ms', maxDelay: '200ms' },
      log: { level: 'silent' },
    }),
  );
  const settings = loadSettings(file);
  await rm(dir, { recursive: true, force: true });
  if (!settings.ok) throw new Error(`bad test settings: ${JSON.stringify(settings.diagnostics)}`);
  const s = settings.value;
  const log = createLogger('silent');
  const connection = { address: s.consul!.address };
  const catalog = new ConsulCatalogSource({ connection, log, name: 'catalog', ...FAST });
  const policy = new ConsulKvPolicySource({ connection, log, prefix: s.policy.consulPrefix!, name: 'policy', ...FAST });
  const gatehouse = await startGatehouse(s, { log, catalog, policy });
  return { gatehouse, catalog, policy, stop: () => gatehouse.stop() };
}

async function ok(emu: ConsulEmulator, method: string, p: string, body?: unknown): Promise<void> {
  const r = await call(emu, method, p, body);
  if (r.status !== 200) throw new Error(`${method} ${p}: ${r.status} ${r.text}`);
}

/** The Consul service ID of a greeter backend. */
export const serviceId = (b: Backend) => `greeter-${b.id}`;

/** The TTL check the agent gives a service registered with one check (`service:<id>`). */
export const checkId = (b: Backend) => `service:${serviceId(b)}`;

/**
 * Registers `b` as an instance of `greeter` through the agent API: address 127.0.0.1 and the
 * backend's port, Meta `gatehouse-protocol: grpc`, a passing TTL check (long TTL: it never expires
 * during a test).
 */
export function registerGreeter(emu: ConsulEmulator, b: Backend, tags: readonly string[] = []): Promise<void> {
  return ok(emu, 'PUT', '/v1/agent/service/register', {
    ID: serviceId(b),
    Name: 'greeter',
    Tags: tags,
    Address: '127.0.0.1',
    Port: b.port,
    Meta: { 'gatehouse-protocol': 'grpc' },
    Check: { TTL: '10m', Status: 'passing' },
  });
}

/** Sets the instance's TTL check to passing or critical. */
export function setCheck(emu: ConsulEmulator, b: Backend, status: 'pass' | 'warn' | 'fail'): Promise<void> {
  return ok(emu, 'PUT', `/v1/agent/check/${status}/${encodeURIComponent(checkId(b))}?note=e2e`);
}

/** Turns service maintenance mode on or off for the instance. */
export function maintenance(emu: ConsulEmulator, b: Backend, enable: boolean): Promise<void> {
  return ok(emu, 'PUT', `/v1/agent/service/maintenance/${serviceId(b)}?enable=${enable}&reason=e2e`);
}

/** Deregisters the instance through the agent API. */
export function deregister(emu: ConsulEmulator, b: Backend): Promise<void> {
  return ok(emu, 'PUT', `/v1/agent/service/deregister/${serviceId(b)}`);
}

/** Stores the policy YAML in Consul KV at `<prefix>/policy.yaml`. */
export async function putPolicy(emu: ConsulEmulator, text: string): Promise<void> {
  const r = await call(emu, 'PUT', `/v1/kv/${POLICY_KEY}`, text);
  if (r.status !== 200 || r.text.trim() !== 'true') throw new Error(`KV put: ${r.status} ${r.text}`);
}
