//! The signed-in user's machines: the list, its live updates, and sharing.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use mstro_protocol::http::{MachineShare, MachineShares, MachineSummary, Machines};
use mstro_protocol::timestamp::rfc3339_unix;
use serde::Deserialize;

use super::error::{ApiError, JsonBody};
use super::session::SignedIn;
use crate::limits::Attempt;
use crate::state::RelayState;
use crate::store::{Permission, StoreError};

/// The machines user `user_id` may see, as the web app shows them.
async fn machines_of(state: &RelayState, user_id: String) -> Result<Machines, ApiError> {
    let rows = state.db(move |s| s.machines_for_user(&user_id)).await?;
    let machines = rows
        .into_iter()
        .map(|seen| (seen.machine, seen.permission, seen.owner_name))
        .map(|(m, permission, owner_name)| MachineSummary {
            online: state.hub.is_online(&m.id),
            last_seen: m.last_seen.and_then(rfc3339_unix),
            id: m.id,
            name: m.name,
            hostname: m.hostname,
            os_type: m.os_type,
            cpu_arch: m.cpu_arch,
            working_dir: m.working_dir,
            shared_by: (permission == Permission::View).then_some(owner_name),
            permission,
        })
        .collect();
    Ok(Machines { machines })
}

pub async fn list(
    State(state): State<RelayState>,
    SignedIn(user): SignedIn,
) -> Result<Json<Machines>, ApiError> {
    machines_of(&state, user.id).await.map(Json)
}

/// `text/event-stream` of the list, sent on connect, whenever a machine goes on- or
/// offline, and whenever a machine is shared or unshared.
pub async fn events(
    State(state): State<RelayState>,
    SignedIn(user): SignedIn,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let presence = state.hub.presence();
    let stream = futures_util::stream::unfold(
        (state, user.id, presence, true),
        |(state, user_id, mut presence, first)| async move {
            // Missed ticks (`Lagged`) still mean "something changed".
            if !first
                && let Err(tokio::sync::broadcast::error::RecvError::Closed) = presence.recv().await
            {
                return None;
            }
            let event = match machines_of(&state, user_id.clone()).await {
                Ok(list) => Event::default()
                    .event("machines")
                    .json_data(&list)
                    .expect("a machine list always serialises"),
                // Not `error`: EventSource uses that name for its own connection errors.
                Err(e) => Event::default().event("problem").data(e.message),
            };
            Some((Ok(event), (state, user_id, presence, false)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}

#[derive(Deserialize)]
pub struct Share {
    user: String,
    #[serde(default)]
    permission: Option<Permission>,
}

pub async fn share(
    State(state): State<RelayState>,
    SignedIn(owner): SignedIn,
    Path(machine_id): Path<String>,
    JsonBody(body): JsonBody<Share>,
) -> Result<StatusCode, ApiError> {
    if body.permission.is_some_and(|p| p != Permission::View) {
        return Err(ApiError::bad_request("only `view` sharing exists"));
    }
    state
        .limits
        .on_account(Attempt::Share, &owner.id)
        .map_err(ApiError::rate_limited)?;
    let id = machine_id.clone();
    let owner_id = owner.id.clone();
    let permission = state.db(move |s| s.permission(&owner_id, &id)).await?;
    if permission != Some(Permission::Owner) {
        return Err(ApiError::not_found("machine"));
    }
    // The same answer whether or not someone has that name: sharing must not be a way
    // to find out who has an account.
    match state
        .db(move |s| s.share_machine(&machine_id, &owner.id, &body.user))
        .await
    {
        Ok(()) => {
            state.hub.machines_changed();
            Ok(StatusCode::NO_CONTENT)
        }
        Err(StoreError::UnknownUser(_)) => Ok(StatusCode::NO_CONTENT),
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/machines/{id}/shares`: whom the owner's machine is shared with. 404 for
/// a machine the person does not own (a viewer is not told who else sees it).
pub async fn shares(
    State(state): State<RelayState>,
    SignedIn(owner): SignedIn,
    Path(machine_id): Path<String>,
) -> Result<Json<MachineShares>, ApiError> {
    if machine_id.len() > 64 {
        return Err(ApiError::not_found("machine"));
    }
    let shares = state
        .db(move |s| s.machine_shares(&machine_id, &owner.id))
        .await
        .map_err(|e| match e {
            StoreError::Forbidden | StoreError::NotFound => ApiError::not_found("machine"),
            e => e.into(),
        })?;
    Ok(Json(MachineShares {
        shares: shares
            .into_iter()
            .map(|(user, permission)| MachineShare { user, permission })
            .collect(),
    }))
}

/// `DELETE /api/machines/{id}/shares/{user}`: take back a share; the viewer's sockets
/// on the machine close at once. The same answer whether or not there was a share.
pub async fn unshare(
    State(state): State<RelayState>,
    SignedIn(owner): SignedIn,
    Path((machine_id, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    if machine_id.len() > 64 || user.len() > 256 {
        return Err(ApiError::not_found("machine"));
    }
    let id = machine_id.clone();
    let removed = state
        .db(move |s| s.unshare_machine(&id, &owner.id, &user))
        .await
        .map_err(|e| match e {
            StoreError::Forbidden => ApiError::not_found("machine"),
            e => e.into(),
        })?;
    if let Some(viewer) = removed {
        state.hub.close_viewer(&viewer, &machine_id);
        state.hub.machines_changed();
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/machines/{id}/sign-out`: the owner signs a machine out (a lost laptop):
/// its device token stops working and its socket closes with 4001, after which the
/// machine stops and asks for `mstro login --force`. 404 for a machine the person does
/// not own.
pub async fn sign_out(
    State(state): State<RelayState>,
    SignedIn(owner): SignedIn,
    Path(machine_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if machine_id.len() > 64 {
        return Err(ApiError::not_found("machine"));
    }
    let id = machine_id.clone();
    state
        .db(move |s| s.revoke_machine_devices(&id, &owner.id))
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("machine"),
            e => e.into(),
        })?;
    state.hub.disconnect_machine(
        &machine_id,
        mstro_protocol::handshake::CLOSE_UNAUTHORIZED,
        "signed out by its owner",
    );
    Ok(StatusCode::NO_CONTENT)
}
