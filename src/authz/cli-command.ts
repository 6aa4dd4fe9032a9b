// `gatehouse keys create` and `gatehouse authz explain`: argument parsing around the functions in
// cli.ts, so src/cli.ts only dispatches.
import { parseArgs } from 'node:util';
import { explain, keysCreate } from './cli.ts';

/** Usage text of the authz subcommands. */
export const AUTHZ_USAGE = `  gatehouse keys create --consumer NAME              prints a new API key once, and its policy entry
  gatehouse authz explain --policy FILE --route KEY (--token JWT | --api-key KEY) [--method M] [--path P]`;

/** Runs `keys …` or `authz …`; returns the exit code. */
export async function runAuthzCommand(command: 'keys' | 'authz', argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      consumer: { type: 'string' },
      policy: { type: 'string' },
      route: { type: 'string' },
      token: { type: 'string' },
      'api-key': { type: 'string' },
      method: { type: 'string' },
      path: { type: 'string' },
    },
  });
  if (command === 'keys' && positionals[0] === 'create' && values.consumer) {
    process.stdout.write(keysCreate(values.consumer));
    return 0;
  }
  if (command === 'authz' && positionals[0] === 'explain' && values.policy && values.route) {
    const text = await explain({
      policyFile: values.policy,
      route: values.route,
      ...(values.token !== undefined && { token: values.token }),
      ...(values['api-key'] !== undefined && { apiKey: values['api-key'] }),
      ...(values.method !== undefined && { method: values.method }),
      ...(values.path !== undefined && { path: values.path }),
    });
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  }
  throw new Error(`usage:\n${AUTHZ_USAGE}`);
}
