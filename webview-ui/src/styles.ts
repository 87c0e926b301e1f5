/**
 * The panel's own chrome (toolbar, status line, buttons) in VS Code's colours. The host puts it, with
 * the report's stylesheet, in one <style nonce> element: the CSP allows no other style.
 */
export const PANEL_CSS = `
body { margin: 0; padding: 0; background: var(--vscode-editor-background); color: var(--vscode-foreground); }
.toolbar {
  position: sticky; top: 0; z-index: 1; display: flex; align-items: center; gap: 8px; flex-wrap: wrap;
  padding: 8px 20px; background: var(--vscode-editor-background); border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
  font-family: var(--vscode-font-family); font-size: var(--vscode-font-size);
}
.toolbar .title { font-weight: 600; margin-right: auto; }
.toolbar button {
  font-family: inherit; font-size: inherit; padding: 4px 12px; border-radius: 2px; cursor: pointer;
  color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: 1px solid var(--vscode-button-border, transparent);
}
.toolbar button:hover { background: var(--vscode-button-hoverBackground); }
.toolbar button.secondary { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
.toolbar button.secondary:hover { background: var(--vscode-button-secondaryHoverBackground); }
.toolbar button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
.toolbar button:disabled { opacity: 0.5; cursor: default; }
.status { padding: 6px 20px; font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-descriptionForeground); }
.status.error { color: var(--vscode-errorForeground); }
.status:empty { display: none; }
.empty { padding: 40px 20px; color: var(--vscode-descriptionForeground); font-family: var(--vscode-font-family); }
.pgshift-report [data-file] { cursor: pointer; text-decoration: underline dotted; }
`;
