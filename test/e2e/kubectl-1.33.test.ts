import { kubectlSuite } from './kubectl-suite';

kubectlSuite('1.33', 'sqlite');
