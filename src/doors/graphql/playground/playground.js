// Keyway's GraphQL playground: GraphiQL against this server. Everything is served by Keyway.
// Its docs and completion come from the schema's SDL, not from introspection, so they work where
// introspection is off (production). A "Sign in" panel runs `login` and puts the token in the
// Headers pane, which is sent with every request.
(function () {
  const h = React.createElement;
  const { buildSchema } = GraphiQL.GraphQL; // GraphiQL's own graphql-js: its schema checks need that one
  const { useEditorContext } = GraphiQL.React;
  const endpoint = window.location.pathname;

  const LOGIN = 'mutation SignIn($username: String!, $password: String!) {\n' +
    '  login(username: $username, password: $password) { token expiresAt user { username } }\n}';

  /** The headers pane's JSON with this bearer token in it, the other headers kept. */
  function withBearer(text, token) {
    let headers = {};
    try {
      const parsed = JSON.parse(text || '{}');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) headers = parsed;
    } catch {
      // Not JSON: nothing worth keeping, the pane is replaced.
    }
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    return JSON.stringify({ ...headers, Authorization: `Bearer ${token}` }, null, 2);
  }

  async function signIn(username, password) {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: LOGIN, variables: { username, password } }),
    });
    const body = await response.json().catch(() => ({})); // a proxy's error page, say
    if (body.data?.login) return body.data.login;
    throw new Error(body.errors?.[0]?.message ?? `Keyway answered ${response.status}.`);
  }

  function SignInPanel() {
    const { headerEditor } = useEditorContext({ nonNull: true });
    const [state, setState] = React.useState({ busy: false, message: '', failed: false });

    async function onSubmit(event) {
      event.preventDefault();
      const form = event.currentTarget;
      setState({ busy: true, message: 'Signing in…', failed: false });
      try {
        const login = await signIn(form.elements.username.value, form.elements.password.value);
        if (!headerEditor) throw new Error('The Headers pane is not ready yet: try again.');
        headerEditor.setValue(withBearer(headerEditor.getValue(), login.token));
        form.elements.password.value = '';
        const until = new Date(login.expiresAt).toLocaleTimeString();
        setState({ busy: false, message: `Signed in as ${login.user.username} until ${until}: the token is in the Headers pane.`, failed: false });
      } catch (error) {
        const message = error instanceof TypeError ? 'Keyway did not answer.' : error.message;
        setState({ busy: false, message, failed: true });
      }
    }

    return h('form', { className: 'keyway-sign-in', onSubmit, 'aria-labelledby': 'keyway-sign-in-title' },
      h('h2', { className: 'graphiql-doc-explorer-title', id: 'keyway-sign-in-title' }, 'Sign in'),
      h('label', null, 'Username', h('input', { name: 'username', autoComplete: 'username', required: true })),
      h('label', null, 'Password',
        h('input', { name: 'password', type: 'password', autoComplete: 'current-password', required: true })),
      h('button', { type: 'submit', className: 'graphiql-button', disabled: state.busy }, 'Sign in'),
      h('p', { role: 'status', className: state.failed ? 'failed' : undefined }, state.message));
  }

  function KeyIcon() {
    return h('svg', { viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, 'aria-hidden': true },
      h('circle', { cx: 8, cy: 15, r: 4 }),
      h('path', { d: 'M11 12l9-9M16 7l3 3M14 9l2 2' }));
  }

  const signInPlugin = { title: 'Sign in', icon: KeyIcon, content: SignInPanel };

  function render(schema) {
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      h(GraphiQL, {
        fetcher: GraphiQL.createFetcher({ url: endpoint }),
        // A schema given here is never introspected; undefined falls back to introspection.
        schema,
        plugins: [signInPlugin],
        visiblePlugin: signInPlugin,
        defaultEditorToolsVisibility: 'headers',
        defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
        shouldPersistHeaders: false,
        defaultQuery: '# Sign in with the key icon on the left:\n# it puts a token in the Headers pane.\n' +
          '# Then ask who you are:\n\n{\n  me {\n    username\n    role { name permissions }\n  }\n}\n',
      }),
    );
  }

  /** The schema built from Keyway's SDL, or undefined (GraphiQL then introspects) if it cannot be had. */
  async function loadSchema() {
    try {
      const response = await fetch(`${endpoint}/schema.graphql`);
      return response.ok ? buildSchema(await response.text()) : undefined;
    } catch {
      return undefined;
    }
  }

  loadSchema().then(render);
})();
