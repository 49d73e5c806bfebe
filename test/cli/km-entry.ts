// Test entry: runs the km CLI from TypeScript sources (the real bin runs the compiled dist/).
import { main } from '../../src/cli/km';
void main(process.argv.slice(2));
