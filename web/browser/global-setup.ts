import type { TestProject } from 'vitest/node';
import { startApp } from './app';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

/** One application (fresh databases) for the whole browser run. */
export default async function setup(project: TestProject) {
  const app = await startApp();
  project.provide('baseUrl', app.baseUrl);
  return app.stop;
}
