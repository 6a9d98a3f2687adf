// tsconfig's `moduleResolution: node` does not read package.json `exports`, where vscode-languageclient 11 and the
// libraries under it declare their entry points; these map the imports to the typings those entries point at
// (esbuild resolves the real modules through `exports` itself).
declare module 'vscode-languageclient/node' {
  export * from 'vscode-languageclient/lib/node/main';
}
declare module 'vscode-languageserver-protocol/node' {
  export * from 'vscode-languageserver-protocol/lib/node/main';
}
declare module 'vscode-jsonrpc/node' {
  export * from 'vscode-jsonrpc/lib/node/main';
}
