/*
 * exitpt: let applications take part in partition migration, hibernation,
 * VM migration and host maintenance, the way IBM i exit programs do.
 *
 * This umbrella header pulls in every public part of libexitpt.
 */
#ifndef EXITPT_EXITPT_H
#define EXITPT_EXITPT_H

#include <exitpt/error.h>
#include <exitpt/format.h>

/* phase engine client */
#include <exitpt/client.h>
#include <exitpt/exitprog.h>

/* IPC: shared objects, critical sections, object locks */
#include <exitpt/ipc.h>
#include <exitpt/critical.h>
#include <exitpt/objlock.h>

/* IPC: data queues */
#include <exitpt/dtaq.h>

/* IPC: data areas */
#include <exitpt/dtaara.h>

/* IPC: job interrupt */
#include <exitpt/jobitp.h>

#endif /* EXITPT_EXITPT_H */
