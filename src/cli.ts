#!/usr/bin/env node
// The `gatehouse` command: `serve` (default) runs the control plane; `render` prints what a node
// of a profile would receive. Flags beat environment variables, which beat the settings file.
import { parseArgs } from 'node:util';
import { CHECK_USAGE, runHealthCheck } from './admin/health-check.ts';
import { type Diagnostic, formatDiagnostics } from './errors.ts';
import { POLICY_USAGE, runPolicyCommand } from './policy/cli.ts';

// `check` is the container's health check, run every few seconds: it answers and exits before the
// rest of Gatehouse (protos, zod schemas, the pipeline) is loaded, hence the dynamic imports below.
if (process.argv[2] === 'check') process.exit(await runHealthCheck(process.argv.slice(3)));

const { stringify } = await import('yaml');
const { AUTHZ_USAGE, runAuthzCommand } = await import('./authz/cli-command.ts');
const { compile } = await import('./compile.ts');
const { loadSettings, observabilityTarget, parseCatalog, parsePolicy, readText, splitHostPort } = await import(
  './config/index.ts'
);
const { createLogger } = await import('./log.ts');
const { startGatehouse } = await import('./main.ts');
const { configDump, unservedReason } = await import('./snapshot/index.ts');
const { PROFILE_SYNTAX, parseProfile } = await import('./translate/resources.ts');

const USAGE = `usage:
  gatehouse [serve] [--config FILE] [--consul URL] [--xds-address HOST:PORT] [--admin-address HOST:PORT] [--authz-address HOST:PORT]
  gatehouse render --config FILE --node edge|grpc|sidecar/<service>
${POLICY_USAGE}
${AUTHZ_USAGE}
${CHECK_USAGE}

environment: GATEHOUSE_XDS_ADDRESS, GATEHOUSE_ADMIN_ADDRESS, GATEHOUSE_AUTHZ_ADDRESS (flags win);
             CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE, CONSUL_CACERT, ... as Consul's tools read them`;

function fail(message: string, diagnostics: readonly Diagnostic[] = []): never {
  process.stderr.write(`${message}\n${diagnostics.length ? `${formatDiagnostics(diagnostics)}\n` : ''}`);
  process.exit(diagnostics.length ? 1 : 2);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'serve';
  const rest = command === argv[0] ? argv.slice(1) : argv;
  if (command === 'policy') {
    process.exitCode = await runPolicyCommand(rest);
    return;
  }
  if (command === 'keys' || command === 'authz') {
    process.exitCode = await runAuthzCommand(command, rest);
    return;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string', short: 'c' },
        'xds-address': { type: 'string' },
        'admin-address': { type: 'string' },
        'authz-address': { type: 'string' },
        consul: { type: 'string' },
        node: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = values.config as string | undefined;
  const consul = values.consul as string | undefined;
  if (!config && !consul) fail(`--config FILE or --consul URL is required\n${USAGE}`);
  const settings = loadSettings(config, {
    consul,
    xds: (values['xds-address'] as string | undefined) ?? process.env.GATEHOUSE_XDS_ADDRESS,
    admin: (values['admin-address'] as string | undefined) ?? process.env.GATEHOUSE_ADMIN_ADDRESS,
    authz: (values['authz-address'] as string | undefined) ?? process.env.GATEHOUSE_AUTHZ_ADDRESS,
  });
  if (!settings.ok) fail(`invalid settings in ${config ?? 'flags'}:`, settings.diagnostics);

  if (command === 'render') {
    const node = parseProfile((values.node as string | undefined) ?? '');
    if (!node) fail(`--node must be ${PROFILE_SYNTAX}\n${USAGE}`);
    const { catalog: c, policy: p } = settings.value;
    if (!c.file || !p.file) fail('render reads files: the settings must name catalog.file and policy.file');
    const catalogText = readText(c.file);
    const policyText = readText(p.file);
    const catalog = catalogText.ok ? parseCatalog(catalogText.value, c.file) : catalogText;
    const policy = policyText.ok ? parsePolicy(policyText.value, p.file) : policyText;
    const problems = [...(catalog.ok ? [] : catalog.diagnostics), ...(policy.ok ? [] : policy.diagnostics)];
    if (!catalog.ok || !policy.ok) fail('invalid input:', problems);
    const a = settings.value.authz;
    const dial = splitHostPort(a.advertise ?? a.address);
    const compiled = compile(catalog.value, policy.value, {
      authz: { ...dial, timeoutMs: a.timeout },
      observability: observabilityTarget(settings.value.observability),
    });
    if (!compiled.snapshot) fail('invalid input:', compiled.diagnostics);
    if (compiled.diagnostics.length) process.stderr.write(`${formatDiagnostics(compiled.diagnostics)}\n`);
    const dump = configDump(compiled.snapshot, node);
    if (!dump) fail(`cannot render ${node}: ${unservedReason(compiled.snapshot, node)}`);
    process.stdout.write(stringify(dump, { lineWidth: 0 }));
    return;
  }
  if (command !== 'serve') fail(`unknown command "${command}"\n${USAGE}`);

  const log = createLogger(settings.value.log.level);
  const gatehouse = await startGatehouse(settings.value, { log });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    gatehouse.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`gatehouse: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
