"""Reading and writing a virt-dirtyrate migration policy with plain libvirt,
the way OpenStack Nova or oVirt VDSM would: no virt-dirtyrate code needed.

The policy is one element in the domain's <metadata>, in the namespace
below, with one child element per group and one attribute per setting
(see schemas/policy.rng and virsh-dirtyrate(1) for the keys and units):

    <dirtyrate:policy xmlns:dirtyrate="https://virt-dirtyrate.org/xmlns/policy/1">
      <dirtyrate:xbzrle use="on" cache="512MiB"/>
    </dirtyrate:policy>

    import libvirt, policy_example
    dom = libvirt.open("qemu:///system").lookupByName("vm1")
    policy_example.write_policy(dom, {"xbzrle.use": "on", "xbzrle.cache": "512MiB"})
    policy_example.read_policy(dom)   # {'xbzrle.use': 'on', 'xbzrle.cache': '512MiB'}

Settings left out mean "decide for me".  Other applications' metadata
(Nova's own namespace, say) is never touched: libvirt keys metadata by
namespace URI.
"""
import xml.etree.ElementTree as ET

import libvirt

NS = "https://virt-dirtyrate.org/xmlns/policy/1"
PREFIX = "dirtyrate"


def read_policy(dom, flags=libvirt.VIR_DOMAIN_AFFECT_CURRENT):
    """The domain's policy as {"group.setting": "value"}; {} if it has none."""
    try:
        text = dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, NS, flags)
    except libvirt.libvirtError as e:
        if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_METADATA:
            return {}
        raise
    settings = {}
    # libvirt returns the element without its namespace prefix.
    for group in ET.fromstring(text):
        name = group.tag.split("}")[-1]
        for attr, value in group.attrib.items():
            settings[f"{name}.{attr}"] = value
    return settings


def write_policy(dom, settings, flags=libvirt.VIR_DOMAIN_AFFECT_CURRENT):
    """Replaces the domain's policy with @settings ({"group.setting": value}).

    The XML handed to virDomainSetMetadata carries no namespace: libvirt
    puts the element and its children in the namespace @NS itself, with
    the prefix given as key (and refuses XML that declares it already).
    """
    root = ET.Element("policy")
    groups = {}
    for key, value in settings.items():
        group, attr = key.split(".", 1)
        if group not in groups:
            groups[group] = ET.SubElement(root, group)
        groups[group].set(attr, value)
    dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, ET.tostring(root, encoding="unicode"),
                    PREFIX, NS, flags)


def remove_policy(dom, flags=libvirt.VIR_DOMAIN_AFFECT_CURRENT):
    dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, None, None, NS, flags)
