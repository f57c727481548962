-- The existing service as users run it today, for the benchmark's headline
-- baseline: the tables its documentation describes, plainly. The columns are
-- the documentation's; keys, a foreign key from a quality to its video and an
-- index on that column ("indexes on frequently queried columns"). No triggers,
-- no reference tables, no checks: the rules live in the service's code, if
-- anywhere. Loaded into a database of its own on the benchmark's server
-- (bench/server.py), so both sides share one server and its settings.
create table videos (
    id            uuid primary key default gen_random_uuid(),
    title         text not null,
    description   text,
    url           text,
    thumbnail_url text,
    duration      integer,
    user_id       uuid,
    views         bigint not null default 0,
    likes         bigint not null default 0,
    status        text not null default 'draft',
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);

create table video_qualities (
    id                      uuid primary key default gen_random_uuid(),
    video_id                uuid not null references videos on delete cascade,
    quality                 text not null,
    url                     text not null,
    file_size               bigint,
    bitrate                 integer,
    resolution_width        integer,
    resolution_height       integer,
    codec                   text,
    container               text,
    duration                double precision,
    fps                     double precision,
    pixel_format            text,
    color_space             text,
    audio_codec             text,
    audio_bitrate           integer,
    audio_channels          integer,
    audio_sample_rate       integer,
    aspect_ratio            text,
    frame_count             bigint,
    encoding_time           double precision,
    is_default              boolean not null default false,
    status                  text not null default 'pending',
    error_message           text,
    processing_started_at   timestamptz,
    processing_completed_at timestamptz,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now()
);
create index video_qualities_video_id_idx on video_qualities (video_id);
