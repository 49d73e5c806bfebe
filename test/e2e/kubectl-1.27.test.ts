import { kubectlSuite } from './kubectl-suite';

kubectlSuite('1.27', 'sqlite');
