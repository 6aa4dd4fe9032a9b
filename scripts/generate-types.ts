// Regenerates src/generated/ (typed interfaces for the Envoy messages we build) with the same
// flags the runtime loader uses, so a misspelt field fails to compile. Run: npm run generate:protos
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { PROTO_DEPS, PROTO_FILES } from '../src/proto-files.ts';

const deps = path.join('node_modules', '@grpc', 'grpc-js-xds', 'deps');
rmSync('src/generated', { recursive: true, force: true });
execFileSync(
  path.join('node_modules', '.bin', 'proto-loader-gen-types'),
  [
    '--keepCase',
    '--longs',
    'String',
    '--enums',
    'String',
    '--defaults',
    '--oneofs',
    '--includeDirs',
    ...PROTO_DEPS.map((d) => path.join(deps, d)),
    '-O',
    'src/generated',
    '--grpcLib',
    '@grpc/grpc-js',
    ...PROTO_FILES,
  ],
  { stdio: 'inherit' },
);
