import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Workspace packages ship TypeScript sources; Next compiles them with the app.
  transpilePackages: ['@convlab/protocol', '@convlab/classroom', '@convlab/nets', '@convlab/vis', '@convlab/engine'],
  // `next build` checks the app; `npm run typecheck` (run by `npm test`) checks the whole repository.
  typescript: { tsconfigPath: 'tsconfig.app.json' },
  serverExternalPackages: ['sharp', '@prisma/client', '@libsql/client', 'pg'],
};

export default nextConfig;
