/** The Swagger UI files the /docs page loads, from the `swagger-ui-dist` package. */
export const SWAGGER_UI_FILES = [
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
] as const
