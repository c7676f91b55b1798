// pnpm hooks. beforePacking runs on `pnpm pack` / `pnpm publish` only: a packed manifest carries no devDependencies,
// which name private workspace packages (@approval-hub/tsconfig 0.0.0) that no registry serves.
module.exports = {
  hooks: {
    beforePacking(manifest) {
      delete manifest.devDependencies;
      return manifest;
    },
  },
};
