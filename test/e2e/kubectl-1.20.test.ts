import { kubectlSuite } from './kubectl-suite';

kubectlSuite('1.20', 'sqlite');
