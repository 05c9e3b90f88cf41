import { z } from 'zod';
import { parseCidr } from '../../environments/cidr';
import { cidr, object } from '../../environments/schema/kit';

/** The virtual network and the cluster's address ranges: `network`. */

/** A CIDR whose prefix length lies in `[widest, narrowest]`, with the message for the others. */
const sized = (example: string, widest: number, narrowest: number, message: string) =>
  cidr(example).refine((v) => { const r = parseCidr(v); return !r || (r.prefix >= widest && r.prefix <= narrowest); }, { error: message });

export const networkSettings = object({
  vnetCidr: sized('10.20.0.0/16', 0, 24, 'accepted: a /24 or larger address space').meta({ description: 'Address space of the virtual network, e.g. `10.20.0.0/16`; a /24 or larger.' }),
  nodeSubnetCidr: sized('10.20.0.0/16', 0, 27, 'accepted: a /27 or larger subnet (every node and upgrade surge node takes an address)')
    .meta({ description: 'Subnet of every node pool\'s nodes, inside `vnetCidr`; a /27 or larger, with an address per node and surge node.' }),
  podCidr: sized('10.20.0.0/16', 0, 24, 'accepted: a /24 or larger range (each node takes a /24 from it)').default('192.168.0.0/16')
    .meta({ description: 'Overlay pod range (Azure CNI overlay); outside the virtual network and the service range, not in an AKS-reserved range.' }),
  serviceCidr: sized('10.20.0.0/16', 12, 32, 'accepted: a /12 or smaller range (AKS limit)').default('172.16.0.0/16')
    .meta({ description: 'Kubernetes service range; outside the virtual network and the pod range, not in an AKS-reserved range.' }),
  dnsServiceIp: z.string({ error: 'accepted: an address inside network.serviceCidr other than its first, e.g. "172.16.0.10"' }).optional().meta({ description: 'Cluster DNS service address: inside `serviceCidr`, not its first usable address.', defaultText: 'the 10th address of `serviceCidr`' }),
}).meta({ description: 'The virtual network and the cluster\'s address ranges.' });
