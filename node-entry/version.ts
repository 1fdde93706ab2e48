/**
 * The release this build is (package.json's version), for the start-up log line and the doctor.
 * esbuild inlines the file into the bundle, so the image needs no package.json at run time.
 */
import packageJson from '../package.json' with { type: 'json' }

export const VERSION: string = packageJson.version
