import { synthesize } from './stacks/synth';

// Every environment of environments/ (index.ts), validated before any stack is built.
synthesize();
