/* PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2), bus 0. */
#ifndef NET_ECHO_PCI_H
#define NET_ECHO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_VENDOR_ID		0x00
#define PCI_COMMAND		0x04
#define PCI_HEADER_TYPE		0x0E
#define PCI_BAR0		0x10
#define PCI_INTERRUPT_LINE	0x3C

#define PCI_COMMAND_IO		0x0001
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_MASTER	0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400

struct pci_location {
	uint8_t bus, device, function;
};

uint32_t pci_read32(struct pci_location loc, uint8_t offset);
uint16_t pci_read16(struct pci_location loc, uint8_t offset);
uint8_t pci_read8(struct pci_location loc, uint8_t offset);
void pci_write16(struct pci_location loc, uint8_t offset, uint16_t value);

/* Scan bus 0 (every device, every function of multi-function devices) for vendor:device. */
bool pci_find(uint16_t vendor, uint16_t device, struct pci_location *found);

#endif
