import { App } from 'cdktf';
import { loadEnvironments } from './environments';
import { addEnvironment } from './stacks/app';

// Validates every environment before any stack is built: a bad file stops here.
const environments = loadEnvironments();
for (const warning of environments.flatMap((env) => env.warnings)) console.warn(`warning: ${warning}`);
const app = new App();
for (const env of environments) addEnvironment(app, env);
app.synth();
