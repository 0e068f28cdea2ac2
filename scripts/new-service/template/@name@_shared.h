/* Structs and constants shared by @name@'s BPF code and control plane. */
#pragma once
#include <linux/types.h>

/* An absent port in struct @name@_config. */
#define @NAME@_NO_PORT 0xffffffffu

/* Single entry of map config. */
struct @name@_config {
  __u32 forward;  /* 1: send every packet out of the other port; 0: drop it */
  __u32 ports[2]; /* port indices of the two ports, @NAME@_NO_PORT if absent */
};
