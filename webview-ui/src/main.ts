// Placeholder entry for the report webview bundle; the report UI lands with the report issue.
document.body.dataset.pgshift = 'ready';
