/* Structs and constants shared by helloworld's BPF code and control plane. */
#pragma once
#include <linux/types.h>

/* What helloworld does with every packet. */
enum hw_action { HW_DROP = 0, HW_SLOWPATH = 1, HW_FORWARD = 2 };

/* Single entry of map hw_config. */
struct hw_config {
  __u32 action;   /* enum hw_action */
  __u32 ports[2]; /* port indices of the two ports, HW_NO_PORT if absent */
};
#define HW_NO_PORT 0xffffffffu
/* Slow-path reason for packets punted by the SLOWPATH action. */
#define HW_REASON_SLOWPATH 1
