import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { Construct } from 'constructs';

export interface ClusterNetworkProps {
  /** Environment name, used in resource names. */
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Address space of the virtual network. */
  readonly vnetCidr: string;
  /** Subnet of every node pool's nodes. With Azure CNI overlay, pods take no addresses here. */
  readonly nodeSubnetCidr: string;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The cluster's virtual network: one node subnet behind a network security group.
 * AKS adds its own rules to the node NICs' group; this one keeps Azure's defaults
 * (inbound from the internet denied) on the subnet itself.
 */
export class ClusterNetwork extends Construct {
  public readonly vnet: VirtualNetwork;
  public readonly nodeSubnet: Subnet;
  public readonly securityGroup: NetworkSecurityGroup;

  constructor(scope: Construct, id: string, props: ClusterNetworkProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    this.vnet = new VirtualNetwork(this, 'vnet', {
      name: `vnet-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      addressSpace: [props.vnetCidr],
      tags,
    });
    this.nodeSubnet = new Subnet(this, 'nodes', {
      name: 'snet-aks-nodes',
      resourceGroupName: props.resourceGroupName,
      virtualNetworkName: this.vnet.name,
      addressPrefixes: [props.nodeSubnetCidr],
    });
    this.securityGroup = new NetworkSecurityGroup(this, 'nodes-nsg', {
      name: `nsg-aks-nodes-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tags,
    });
    new SubnetNetworkSecurityGroupAssociation(this, 'nodes-nsg-association', {
      subnetId: this.nodeSubnet.id,
      networkSecurityGroupId: this.securityGroup.id,
    });
  }
}
