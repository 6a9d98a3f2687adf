// tsconfig's `moduleResolution: node` does not read package.json `exports`, where vscode-languageserver 11 and the
// libraries under it declare their entry points; these map the server-side imports to the typings those entries
// point at (esbuild and Node resolve the real modules through `exports` themselves).
declare module 'vscode-languageserver' {
  export * from 'vscode-languageserver/lib/common/api';
}
declare module 'vscode-languageserver/node' {
  export * from 'vscode-languageserver/lib/node/main';
}
declare module 'vscode-languageserver-protocol' {
  export * from 'vscode-languageserver-protocol/lib/common/api';
}
declare module 'vscode-jsonrpc' {
  export * from 'vscode-jsonrpc/lib/common/api';
}
