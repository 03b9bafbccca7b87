/**
 * Device state schemas speak the one schema language of the machine (src/machine/state-schema.ts),
 * which the CPU's state declaration uses too. Re-exported here so device code keeps importing
 * its schema types from its own layer.
 */
export * from '../machine/state-schema.js';
