// Production deploys (scripts/deploy.ts) must carry only what the apps run. pnpm links an
// optional peer wherever the graph holds one, so without this every deploy would install
// TypeScript (an optional peer of libraries such as valibot, under Bull Board's UI, for the
// consumer's type checking) and, through @prisma/client's optional peer, the Prisma CLI with its studio (React and
// more). Neither is needed at run time: the client our prisma-client generator emits uses only
// @prisma/client's runtime; the CLI stays a dev dependency of packages/db, which generates at install.
const drop = (pkg, peer) => {
  if (pkg.peerDependencies) delete pkg.peerDependencies[peer];
  if (pkg.peerDependenciesMeta) delete pkg.peerDependenciesMeta[peer];
};

module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.peerDependenciesMeta?.typescript?.optional) drop(pkg, 'typescript');
      if (pkg.name === '@prisma/client') drop(pkg, 'prisma');
      return pkg;
    },
  },
};
