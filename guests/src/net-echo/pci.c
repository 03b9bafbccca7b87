#include "guest.h"
#include "pci.h"

#define PCI_CONFIG_ADDRESS	0xCF8
#define PCI_CONFIG_DATA		0xCFC

static void pci_select(struct pci_location loc, uint8_t offset)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | ((uint32_t)loc.bus << 16) | ((uint32_t)loc.device << 11) |
				     ((uint32_t)loc.function << 8) | (offset & 0xFC));
}

uint32_t pci_read32(struct pci_location loc, uint8_t offset)
{
	pci_select(loc, offset);
	return inl(PCI_CONFIG_DATA);
}

uint16_t pci_read16(struct pci_location loc, uint8_t offset)
{
	pci_select(loc, offset);
	return inw(PCI_CONFIG_DATA + (offset & 2));
}

uint8_t pci_read8(struct pci_location loc, uint8_t offset)
{
	pci_select(loc, offset);
	return inb(PCI_CONFIG_DATA + (offset & 3));
}

void pci_write16(struct pci_location loc, uint8_t offset, uint16_t value)
{
	pci_select(loc, offset);
	outw(PCI_CONFIG_DATA + (offset & 2), value);
}

bool pci_find(uint16_t vendor, uint16_t device, struct pci_location *found)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		struct pci_location loc = { 0, dev, 0 };
		if (pci_read16(loc, PCI_VENDOR_ID) == 0xFFFF)
			continue;	/* master abort: nothing in this slot */
		uint8_t functions = pci_read8(loc, PCI_HEADER_TYPE) & 0x80 ? 8 : 1;
		for (uint8_t fn = 0; fn < functions; fn++) {
			loc.function = fn;
			uint32_t id = pci_read32(loc, PCI_VENDOR_ID);
			if ((id & 0xFFFF) == vendor && (id >> 16) == device) {
				*found = loc;
				return true;
			}
		}
	}
	return false;
}
