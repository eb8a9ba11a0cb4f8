// @prisma/client declares the Prisma CLI and TypeScript as optional peers (for `prisma generate`
// and for types). pnpm links an optional peer wherever the graph holds one, so every production
// deploy (scripts/deploy.ts) would carry the CLI and its studio (React and more). The client our
// prisma-client generator emits needs neither at run time; the CLI stays a dev dependency of
// packages/db, which generates at install.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === '@prisma/client') {
        for (const peer of ['prisma', 'typescript']) {
          if (pkg.peerDependencies) delete pkg.peerDependencies[peer];
          if (pkg.peerDependenciesMeta) delete pkg.peerDependenciesMeta[peer];
        }
      }
      return pkg;
    },
  },
};
