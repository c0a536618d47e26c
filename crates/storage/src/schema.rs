// Diesel table definitions for migrations/. Keep in step with the SQL: the storage tests
// exercise every table through these definitions against a freshly migrated database.

diesel::table! {
    tenants (id) {
        id -> Uuid,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    developers (id) {
        id -> Uuid,
        tenant_id -> Uuid,
        email -> Text,
        password_hash -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        is_admin -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        tenant_id -> Uuid,
        name -> Text,
        key_hash -> Bytea,
        key_prefix -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        tenant_id -> Uuid,
        email -> Nullable<Text>,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        external_user_id -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    oauth_states (state_hash) {
        state_hash -> Bytea,
        tenant_id -> Uuid,
        user_id -> Uuid,
        provider -> Text,
        redirect_uri -> Nullable<Text>,
        pkce_verifier_enc -> Nullable<Bytea>,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
        integration_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    connections (id) {
        id -> Uuid,
        tenant_id -> Uuid,
        user_id -> Uuid,
        provider -> Text,
        provider_user_id -> Nullable<Text>,
        provider_username -> Nullable<Text>,
        scope -> Nullable<Text>,
        status -> Text,
        access_token_enc -> Nullable<Bytea>,
        refresh_token_enc -> Nullable<Bytea>,
        token_expires_at -> Nullable<Timestamptz>,
        last_synced_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        integration_id -> Nullable<Uuid>,
        status_reason -> Nullable<Text>,
        status_changed_at -> Timestamptz,
    }
}

diesel::table! {
    raw_payloads (id) {
        id -> Uuid,
        provider -> Text,
        kind -> Text,
        origin -> Text,
        tenant_id -> Nullable<Uuid>,
        user_id -> Nullable<Uuid>,
        connection_id -> Nullable<Uuid>,
        received_at -> Timestamptz,
        content_type -> Text,
        body -> Bytea,
        body_sha256 -> Bytea,
        stored_at -> Timestamptz,
    }
}

diesel::table! {
    data_sources (id) {
        id -> Int4,
        user_id -> Uuid,
        provider -> Text,
        device -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    workouts (id) {
        id -> Uuid,
        user_id -> Uuid,
        data_source_id -> Int4,
        external_id -> Text,
        workout_type -> Text,
        name -> Nullable<Text>,
        start_time -> Timestamptz,
        end_time -> Timestamptz,
        zone_offset_seconds -> Nullable<Int4>,
        duration_seconds -> Int8,
        calories_kcal -> Nullable<Float8>,
        distance_meters -> Nullable<Float8>,
        avg_heart_rate_bpm -> Nullable<Float8>,
        max_heart_rate_bpm -> Nullable<Float8>,
        elevation_gain_meters -> Nullable<Float8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sleep_sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        data_source_id -> Int4,
        external_id -> Text,
        start_time -> Timestamptz,
        end_time -> Timestamptz,
        zone_offset_seconds -> Nullable<Int4>,
        is_nap -> Bool,
        duration_seconds -> Int8,
        sleep_duration_seconds -> Nullable<Int8>,
        efficiency_percent -> Nullable<Float8>,
        awake_seconds -> Nullable<Int8>,
        light_seconds -> Nullable<Int8>,
        deep_seconds -> Nullable<Int8>,
        rem_seconds -> Nullable<Int8>,
        avg_heart_rate_bpm -> Nullable<Float8>,
        lowest_heart_rate_bpm -> Nullable<Float8>,
        avg_hrv_rmssd_ms -> Nullable<Float8>,
        avg_respiratory_rate -> Nullable<Float8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sleep_stage_intervals (sleep_id, start_time) {
        sleep_id -> Uuid,
        start_time -> Timestamptz,
        end_time -> Timestamptz,
        stage -> Int2,
    }
}

diesel::table! {
    samples (user_id, series, ts, source_id) {
        user_id -> Uuid,
        series -> Int2,
        ts -> Timestamptz,
        source_id -> Int4,
        value -> Float8,
        zone_offset_seconds -> Nullable<Int4>,
    }
}

diesel::table! {
    daily_activity (user_id, data_source_id, date) {
        user_id -> Uuid,
        data_source_id -> Int4,
        date -> Date,
        external_id -> Nullable<Text>,
        zone_offset_seconds -> Nullable<Int4>,
        steps -> Nullable<Int8>,
        active_calories_kcal -> Nullable<Float8>,
        total_calories_kcal -> Nullable<Float8>,
        distance_meters -> Nullable<Float8>,
        active_seconds -> Nullable<Int8>,
        sedentary_seconds -> Nullable<Int8>,
        low_activity_seconds -> Nullable<Int8>,
        medium_activity_seconds -> Nullable<Int8>,
        high_activity_seconds -> Nullable<Int8>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    applications (id) {
        id -> Uuid,
        tenant_id -> Uuid,
        app_id -> Text,
        name -> Text,
        secret_hash -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        token_hash -> Bytea,
        kind -> Text,
        tenant_id -> Uuid,
        user_id -> Nullable<Uuid>,
        developer_id -> Nullable<Uuid>,
        app_id -> Nullable<Text>,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    integrations (id) {
        id -> Uuid,
        tenant_id -> Uuid,
        provider -> Text,
        client_id -> Text,
        client_secret_enc -> Bytea,
        scopes -> Array<Text>,
        redirect_allowlist -> Array<Text>,
        enabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    connection_events (id) {
        id -> Int8,
        connection_id -> Uuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    developer_invitations (id) {
        id -> Uuid,
        tenant_id -> Uuid,
        email -> Text,
        token_hash -> Bytea,
        invited_by -> Nullable<Uuid>,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(api_keys -> tenants (tenant_id));
diesel::joinable!(connections -> users (user_id));
diesel::joinable!(data_sources -> users (user_id));
diesel::joinable!(developers -> tenants (tenant_id));
diesel::joinable!(sleep_stage_intervals -> sleep_sessions (sleep_id));
diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(workouts -> data_sources (data_source_id));
diesel::joinable!(sleep_sessions -> data_sources (data_source_id));
diesel::joinable!(samples -> data_sources (source_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    developers,
    api_keys,
    users,
    oauth_states,
    connections,
    raw_payloads,
    data_sources,
    workouts,
    sleep_sessions,
    sleep_stage_intervals,
    samples,
    daily_activity,
    applications,
    refresh_tokens,
    integrations,
    connection_events,
    developer_invitations,
);
