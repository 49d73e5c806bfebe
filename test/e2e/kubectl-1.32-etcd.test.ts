import { kubectlSuite } from './kubectl-suite';

kubectlSuite('1.32', 'etcd');
