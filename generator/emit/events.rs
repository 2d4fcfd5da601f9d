//! The server-sent event items of the `media` module: `Event`, `EventStream`
//! (with its channel) and `EventParser`, the incremental `text/event-stream` reader.
//!
//! They depend on nothing but `futures_core::Stream`, which reqwest and axum
//! already build on: the client parses the bytes as they arrive, and the
//! server's router writes frames from the stream its trait method returns.

use proc_macro2::TokenStream;
use quote::quote;

/// The items, emitted once per crate that has a `text/event-stream` response.
pub(super) fn items() -> TokenStream {
    let event = event();
    let stream = stream();
    let channel = channel();
    let adapters = adapters();
    let parser = parser();
    quote! {
        #event
        #stream
        #channel
        #adapters
        #parser
    }
}

fn event() -> TokenStream {
    quote! {
        /// One server-sent event.
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct Event<T> {
            /// The data (its `data:` lines, joined with `\n`).
            pub data: T,
            /// The event's name (`event:`); `None` is the default, `message`.
            pub event: ::std::option::Option<::std::string::String>,
            /// The id the event sets (`id:`), if it sets one.
            pub id: ::std::option::Option<::std::string::String>,
            /// The reconnection delay in milliseconds the event asks for (`retry:`), if any.
            pub retry: ::std::option::Option<u64>,
        }

        impl<T> Event<T> {
            /// An unnamed event with `data` and nothing else.
            pub fn new(data: T) -> Self {
                Event { data, event: None, id: None, retry: None }
            }

            /// The event in the `text/event-stream` format, its data written by `encode`. Line
            /// breaks in the data start new `data:` lines; in a name or an id, which cannot hold
            /// them, they become spaces.
            pub fn to_frame(
                &self,
                encode: fn(&T) -> ::std::result::Result<::std::string::String, ::std::string::String>,
            ) -> ::std::result::Result<::std::string::String, EventStreamError> {
                let data = encode(&self.data).map_err(|message| EventStreamError::Data { message, data: ::std::string::String::new() })?;
                let one_line = |text: &str| text.replace(['\r', '\n'], " ");
                let mut frame = ::std::string::String::new();
                if let Some(event) = &self.event {
                    frame.push_str(&format!("event: {}\n", one_line(event)));
                }
                if let Some(id) = &self.id {
                    frame.push_str(&format!("id: {}\n", one_line(id).replace('\0', "")));
                }
                if let Some(retry) = self.retry {
                    frame.push_str(&format!("retry: {retry}\n"));
                }
                for line in data.split("\r\n").flat_map(|line| line.split(['\r', '\n'])) {
                    frame.push_str(&format!("data: {line}\n"));
                }
                frame.push('\n');
                Ok(frame)
            }
        }

        /// Why a stream of events failed.
        #[derive(Debug)]
        pub enum EventStreamError {
            /// Reading (or writing) the stream failed.
            Transport(::std::boxed::Box<dyn ::std::error::Error + Send + Sync>),
            /// An event's data did not fit the documented type.
            Data {
                /// What did not fit.
                message: ::std::string::String,
                /// The data as it came.
                data: ::std::string::String,
            },
        }

        impl ::std::fmt::Display for EventStreamError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    Self::Transport(error) => write!(f, "the event stream failed: {error}"),
                    Self::Data { message, .. } => write!(f, "an event's data does not fit its type: {message}"),
                }
            }
        }

        impl ::std::error::Error for EventStreamError {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    Self::Transport(error) => Some(&**error),
                    Self::Data { .. } => None,
                }
            }
        }
    }
}

fn stream() -> TokenStream {
    quote! {
        type EventSource<T> =
            ::std::pin::Pin<::std::boxed::Box<dyn ::futures_core::Stream<Item = ::std::result::Result<Event<T>, EventStreamError>> + Send>>;

        /// A stream of server-sent events whose data are `T`: what the client reads, and what a
        /// server answers with. It is a `futures_core::Stream`; [`EventStream::next`] reads it
        /// without a stream extension trait.
        pub struct EventStream<T> {
            source: EventSource<T>,
        }

        impl<T> ::std::fmt::Debug for EventStream<T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("EventStream { .. }")
            }
        }

        impl<T> EventStream<T> {
            /// The next event; `None` once the stream has ended.
            pub async fn next(&mut self) -> ::std::option::Option<::std::result::Result<Event<T>, EventStreamError>> {
                ::std::future::poll_fn(|cx| self.source.as_mut().poll_next(cx)).await
            }
        }

        impl<T: Send + 'static> EventStream<T> {
            /// The events of any stream.
            pub fn new(events: impl ::futures_core::Stream<Item = ::std::result::Result<Event<T>, EventStreamError>> + Send + 'static) -> Self {
                EventStream { source: ::std::boxed::Box::pin(events) }
            }

            /// These events, then the end.
            pub fn from_events(events: impl IntoIterator<Item = Event<T>>) -> Self {
                Self::new(Listed { events: events.into_iter().collect::<::std::vec::Vec<_>>().into_iter() })
            }

            /// A stream fed, as events happen, by the returned sender and its clones; it ends
            /// when they are all dropped.
            pub fn channel() -> (EventSender<T>, Self) {
                let state = Channel { queue: ::std::collections::VecDeque::new(), waker: None, senders: 1, open: true };
                let channel = ::std::sync::Arc::new(::std::sync::Mutex::new(state));
                (EventSender { channel: channel.clone() }, Self::new(Receiver { channel }))
            }

            /// The events in the `text/event-stream` bytes of `bytes`, however they are split,
            /// each one's data read by `decode`. An event the stream ends in the middle of is dropped.
            pub fn from_bytes<S, B, E>(bytes: S, decode: fn(&str) -> ::std::result::Result<T, ::std::string::String>) -> Self
            where
                S: ::futures_core::Stream<Item = ::std::result::Result<B, E>> + Send + 'static,
                B: AsRef<[u8]>,
                E: Into<::std::boxed::Box<dyn ::std::error::Error + Send + Sync>>,
            {
                let ready = ::std::collections::VecDeque::new();
                Self::new(Parsed { bytes: ::std::boxed::Box::pin(bytes), parser: EventParser::new(), ready, decode, done: false })
            }

            /// The stream in the `text/event-stream` format, one frame per event (see [`Event::to_frame`]).
            pub fn into_frames(
                self,
                encode: fn(&T) -> ::std::result::Result<::std::string::String, ::std::string::String>,
            ) -> impl ::futures_core::Stream<Item = ::std::result::Result<::std::string::String, EventStreamError>> + Send + 'static {
                Frames { events: self, encode }
            }
        }

        impl<T> ::futures_core::Stream for EventStream<T> {
            type Item = ::std::result::Result<Event<T>, EventStreamError>;

            fn poll_next(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::option::Option<Self::Item>> {
                self.get_mut().source.as_mut().poll_next(cx)
            }
        }
    }
}

fn channel() -> TokenStream {
    quote! {
        struct Channel<T> {
            queue: ::std::collections::VecDeque<Event<T>>,
            waker: ::std::option::Option<::std::task::Waker>,
            senders: usize,
            open: bool,
        }

        fn lock<T>(channel: &::std::sync::Mutex<Channel<T>>) -> ::std::sync::MutexGuard<'_, Channel<T>> {
            // Every change to the state is one statement: a panic elsewhere leaves it consistent.
            channel.lock().unwrap_or_else(::std::sync::PoisonError::into_inner)
        }

        /// Feeds an [`EventStream`] made by [`EventStream::channel`].
        pub struct EventSender<T> {
            channel: ::std::sync::Arc<::std::sync::Mutex<Channel<T>>>,
        }

        impl<T> EventSender<T> {
            /// Queues `event`; gives it back when the stream is gone (the client left).
            pub fn send(&self, event: Event<T>) -> ::std::result::Result<(), Event<T>> {
                let waker = {
                    let mut channel = lock(&self.channel);
                    if !channel.open {
                        return Err(event);
                    }
                    channel.queue.push_back(event);
                    channel.waker.take()
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
                Ok(())
            }
        }

        impl<T> ::std::fmt::Debug for EventSender<T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("EventSender { .. }")
            }
        }

        impl<T> Clone for EventSender<T> {
            fn clone(&self) -> Self {
                lock(&self.channel).senders += 1;
                EventSender { channel: self.channel.clone() }
            }
        }

        impl<T> Drop for EventSender<T> {
            fn drop(&mut self) {
                let waker = {
                    let mut channel = lock(&self.channel);
                    channel.senders -= 1;
                    if channel.senders == 0 { channel.waker.take() } else { None }
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
        }

        struct Receiver<T> {
            channel: ::std::sync::Arc<::std::sync::Mutex<Channel<T>>>,
        }

        impl<T> ::futures_core::Stream for Receiver<T> {
            type Item = ::std::result::Result<Event<T>, EventStreamError>;

            fn poll_next(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::option::Option<Self::Item>> {
                let mut channel = lock(&self.channel);
                if let Some(event) = channel.queue.pop_front() {
                    return ::std::task::Poll::Ready(Some(Ok(event)));
                }
                if channel.senders == 0 {
                    return ::std::task::Poll::Ready(None);
                }
                channel.waker = Some(cx.waker().clone());
                ::std::task::Poll::Pending
            }
        }

        impl<T> Drop for Receiver<T> {
            fn drop(&mut self) {
                let mut channel = lock(&self.channel);
                channel.open = false;
                channel.queue.clear();
            }
        }
    }
}

/// The streams behind `from_events`, `from_bytes` and `into_frames`.
fn adapters() -> TokenStream {
    quote! {
        struct Listed<T> {
            events: ::std::vec::IntoIter<Event<T>>,
        }

        // Never pinned in place: the events are moved out one by one.
        impl<T> Unpin for Listed<T> {}

        impl<T> ::futures_core::Stream for Listed<T> {
            type Item = ::std::result::Result<Event<T>, EventStreamError>;

            fn poll_next(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::option::Option<Self::Item>> {
                ::std::task::Poll::Ready(self.get_mut().events.next().map(Ok))
            }
        }

        struct Parsed<S, T> {
            bytes: ::std::pin::Pin<::std::boxed::Box<S>>,
            parser: EventParser,
            ready: ::std::collections::VecDeque<Event<::std::string::String>>,
            decode: fn(&str) -> ::std::result::Result<T, ::std::string::String>,
            done: bool,
        }

        impl<S, B, E, T> ::futures_core::Stream for Parsed<S, T>
        where
            S: ::futures_core::Stream<Item = ::std::result::Result<B, E>>,
            B: AsRef<[u8]>,
            E: Into<::std::boxed::Box<dyn ::std::error::Error + Send + Sync>>,
        {
            type Item = ::std::result::Result<Event<T>, EventStreamError>;

            fn poll_next(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::option::Option<Self::Item>> {
                let this = self.get_mut();
                loop {
                    if let Some(raw) = this.ready.pop_front() {
                        let item = match (this.decode)(&raw.data) {
                            Ok(data) => Ok(Event { data, event: raw.event, id: raw.id, retry: raw.retry }),
                            Err(message) => Err(EventStreamError::Data { message, data: raw.data }),
                        };
                        return ::std::task::Poll::Ready(Some(item));
                    }
                    if this.done {
                        return ::std::task::Poll::Ready(None);
                    }
                    match this.bytes.as_mut().poll_next(cx) {
                        ::std::task::Poll::Ready(Some(Ok(chunk))) => {
                            let events = this.parser.push(chunk.as_ref());
                            this.ready.extend(events);
                        }
                        ::std::task::Poll::Ready(Some(Err(error))) => {
                            this.done = true;
                            return ::std::task::Poll::Ready(Some(Err(EventStreamError::Transport(error.into()))));
                        }
                        ::std::task::Poll::Ready(None) => this.done = true,
                        ::std::task::Poll::Pending => return ::std::task::Poll::Pending,
                    }
                }
            }
        }

        struct Frames<T> {
            events: EventStream<T>,
            encode: fn(&T) -> ::std::result::Result<::std::string::String, ::std::string::String>,
        }

        impl<T> ::futures_core::Stream for Frames<T> {
            type Item = ::std::result::Result<::std::string::String, EventStreamError>;

            fn poll_next(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::option::Option<Self::Item>> {
                let this = self.get_mut();
                let encode = this.encode;
                this.events.source.as_mut().poll_next(cx).map(|item| item.map(|event| event.and_then(|event| event.to_frame(encode))))
            }
        }
    }
}

fn parser() -> TokenStream {
    quote! {
        /// Reads the `text/event-stream` format as it arrives: feed it the bytes in chunks of any
        /// size, split anywhere (inside a line, between `\r` and `\n`, inside a UTF-8 character).
        #[derive(Debug, Default)]
        pub struct EventParser {
            line: ::std::vec::Vec<u8>,
            after_cr: bool,
            started: bool,
            data: ::std::option::Option<::std::string::String>,
            event: ::std::option::Option<::std::string::String>,
            id: ::std::option::Option<::std::string::String>,
            retry: ::std::option::Option<u64>,
            last_event_id: ::std::option::Option<::std::string::String>,
        }

        impl EventParser {
            /// A parser at the start of a stream.
            pub fn new() -> Self {
                Self::default()
            }

            /// The events that `chunk` completes, in order; their data are the text of their `data:` lines.
            pub fn push(&mut self, chunk: &[u8]) -> ::std::vec::Vec<Event<::std::string::String>> {
                let mut events = ::std::vec::Vec::new();
                for &byte in chunk {
                    match byte {
                        // The `\n` of a `\r\n` whose `\r` already ended the line.
                        b'\n' if self.after_cr => self.after_cr = false,
                        b'\r' | b'\n' => {
                            self.after_cr = byte == b'\r';
                            let line = ::std::mem::take(&mut self.line);
                            events.extend(self.line_ended(&line));
                        }
                        _ => {
                            self.after_cr = false;
                            self.line.push(byte);
                        }
                    }
                }
                events
            }

            /// The id of the latest event that set one: what a reconnection sends as `Last-Event-ID`.
            pub fn last_event_id(&self) -> ::std::option::Option<&str> {
                self.last_event_id.as_deref()
            }

            fn line_ended(&mut self, line: &[u8]) -> ::std::option::Option<Event<::std::string::String>> {
                let text = ::std::string::String::from_utf8_lossy(line);
                let mut line: &str = &text;
                if !self.started {
                    self.started = true;
                    line = line.strip_prefix('\u{feff}').unwrap_or(line);
                }
                if line.is_empty() {
                    return self.dispatch();
                }
                if line.starts_with(':') {
                    return None;
                }
                let (field, value) = match line.split_once(':') {
                    Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                    None => (line, ""),
                };
                match field {
                    "event" => self.event = Some(value.to_owned()),
                    "data" => {
                        let data = self.data.get_or_insert_with(::std::string::String::new);
                        data.push_str(value);
                        data.push('\n');
                    }
                    "id" if !value.contains('\0') => {
                        self.id = Some(value.to_owned());
                        self.last_event_id = Some(value.to_owned());
                    }
                    "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => self.retry = value.parse().ok(),
                    _ => {}
                }
                None
            }

            /// A blank line ends an event; one without `data:` lines is not dispatched.
            fn dispatch(&mut self) -> ::std::option::Option<Event<::std::string::String>> {
                let event = self.event.take().filter(|name| !name.is_empty());
                let id = self.id.take();
                let retry = self.retry.take();
                let mut data = self.data.take()?;
                // The `\n` after the last `data:` line.
                data.pop();
                Some(Event { data, event, id, retry })
            }
        }
    }
}
