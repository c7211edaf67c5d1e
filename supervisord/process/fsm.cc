#include "supervisord/process/fsm.h"
