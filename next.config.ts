import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Workspace packages ship TypeScript sources; Next compiles them with the app.
  transpilePackages: ['@convlab/protocol', '@convlab/classroom', '@convlab/nets', '@convlab/vis', '@convlab/engine'],
  // `next build` checks the app; `npm run typecheck` (run by `npm test`) checks the whole repository.
  typescript: { tsconfigPath: 'tsconfig.app.json' },
  // No X-Powered-By; the security headers (CSP with a nonce per page) are set by server/security/headers.ts.
  poweredByHeader: false,
  serverExternalPackages: ['sharp', '@prisma/client', '@libsql/client', 'pg'],
};

export default nextConfig;
