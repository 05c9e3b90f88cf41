import { Testing } from 'cdktf';

// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, ...).
Testing.setupJest();
