#include "supervisord/config/schema.h"
