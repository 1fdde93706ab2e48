/**
 * The API reference: Swagger UI, like GitLab's `/docs`, with every asset served by the gateway
 * itself so the page renders with no internet access. Unlike GitLab's gateway, `/docs` and the
 * OpenAPI document need no token: the install guide says `http://localhost:5052/docs` must open.
 */
import type { Config } from '../config.ts'
import { openApiDocument, type ApiInfo } from '../openapi/document.ts'
import type { DocsAssets } from '../platform.ts'
import type { Route } from './route.ts'
import { SWAGGER_UI_FILES } from './swagger-ui-files.ts'

const INIT_SCRIPT = 'init.js'

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

export function docsRoutes(
  config: Config,
  assets: DocsAssets | undefined,
  apiRoutes: readonly Route[],
  info: ApiInfo,
): Route[] {
  const routes: Route[] = []
  const document = openApiDocument(apiRoutes, info)
  const { docsUrl, openapiUrl } = config.server
  if (openapiUrl) {
    routes.push({ method: 'GET', path: openapiUrl, public: true, handler: (c) => c.json(document) })
  }
  if (docsUrl) {
    const assetPath = (name: string) => `${docsUrl === '/' ? '' : docsUrl}/assets/${name}`
    const page = docsPage(info.title, assetPath)
    // The document is inlined so the page works even with the OpenAPI URL turned off.
    const init = `window.ui = SwaggerUIBundle(${JSON.stringify({ spec: document, dom_id: '#swagger-ui', deepLinking: true })});\n`
    routes.push({
      method: 'GET',
      path: docsUrl,
      public: true,
      handler: (c) => c.html(page, 200, SECURITY_HEADERS),
    })
    routes.push({
      method: 'GET',
      path: assetPath(INIT_SCRIPT),
      public: true,
      handler: (c) =>
        c.body(init, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }),
    })
    for (const name of SWAGGER_UI_FILES) {
      routes.push({
        method: 'GET',
        path: assetPath(name),
        public: true,
        handler: async (c) => (await assets?.get(name)) ?? c.json({ detail: 'Not Found' }, 404),
      })
    }
  }
  return routes
}

function docsPage(title: string, assetPath: (name: string) => string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} - API reference</title>
<link rel="stylesheet" href="${assetPath('swagger-ui.css')}">
<link rel="icon" type="image/png" sizes="32x32" href="${assetPath('favicon-32x32.png')}">
<link rel="icon" type="image/png" sizes="16x16" href="${assetPath('favicon-16x16.png')}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${assetPath('swagger-ui-bundle.js')}"></script>
<script src="${assetPath(INIT_SCRIPT)}"></script>
</body>
</html>
`
}
